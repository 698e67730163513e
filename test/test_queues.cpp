// Port of CPython 3.13 Lib/test/test_asyncio/test_queues.py: Queue, LifoQueue and
// PriorityQueue; put/get and their _nowait forms, QueueFull/QueueEmpty, maxsize, cancelled
// get/put losing no item and passing the wake-up on, task_done/join, and the 3.13
// shutdown(immediate) / QueueShutDown tests.
//
// Each test is named Suite.test_name after the CPython class that defines the method, so
// `--gtest_filter=QueueGetTests.test_get_cancelled_race` and
// `unittest ...QueueGetTests.test_get_cancelled_race` select the same case. CPython runs the
// methods of _QueueJoinTestMixin and _QueueShutdownTestMixin once per queue class
// (QueueJoinTests, LifoQueueJoinTests, PriorityQueueJoinTests, and the same for Shutdown);
// here they are typed tests of the suites QueueJoinTestMixin and QueueShutdownTestMixin (the
// mixin's name without its leading underscore: GoogleTest suite names keep clear of `_`),
// instantiated for each queue class and named after it:
// `QueueShutdownTestMixin/LifoQueue.test_shutdown_immediate` is CPython's
// `LifoQueueShutdownTests.test_shutdown_immediate`. Tests with no CPython twin are in the
// suite QueueCppTests at the end, with PascalCase names.
//
// Skipped, with the reason:
//   QueuePutTests.test_float_maxsize: maxsize is a `long` in C++; a float maxsize (1.3, which
//     Python compares as such, so two items fit) cannot be expressed.
//   QueueBasicTests.test_generic_alias: `Queue[int]` is a typing alias; the element type is
//     checked at compile time by the static_asserts below instead.
//   tearDownModule (event loop policy reset): no policies in C++.
//
// Adaptations:
//   - repr: C++ has one repr, `operator<<`, in the shape of Python's str() (Python's repr
//     adds ` at 0x...`, which is dropped). test_repr and test_str both check that shape;
//     their `expect_id` check becomes "no address is printed".
//   - Private attributes: `len(q._getters)` / `len(q._putters)` read the white-box wait
//     lists `q.getters_` / `q.putters_`; `q._format()` is the repr without `<Name ` and `>`;
//     `q._unfinished_tasks = 2` becomes two items put and taken (unfinished_ is private).
//     test_get_with_putters appends a bare future to `q._putters`; here a task waiting in
//     put() plays that future.
//   - `async with asyncio.TaskGroup() as tg:` is `co_await asyncio::task_group(body)`; a task
//     the test reads after the group is declared before it and assigned in the body.
//   - Items: Python puts ints and strs; the C++ queues are Queue<int> / Queue<std::string>.

#include <asyncio/queue.hpp>

#include "asyncio_test.hpp"

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using asyncio::awaitable;
using asyncio::testing::now;

// --- type contracts ------------------------------------------------------------------------

// QueueBasicTests.test_generic_alias: Queue[int] is parameterized by its element type.
static_assert(std::is_same_v<asyncio::Queue<int>::value_type, int>);
static_assert(std::is_same_v<asyncio::LifoQueue<std::string>::value_type, std::string>);
static_assert(std::is_same_v<asyncio::PriorityQueue<int>::value_type, int>);
// PriorityQueue orders by std::less unless told otherwise (heapq: smallest first).
static_assert(
    std::is_same_v<asyncio::PriorityQueue<int>, asyncio::PriorityQueue<int, std::less<int>>>);
// `co_await q.get()` gives T (a task running it is a Task<T>); `co_await q.put(x)` gives
// nothing. (An await-expression cannot appear in decltype: the type of the value of
// `co_await q.get()` itself is checked inside QueueCppTests.MoveOnlyElement.)
static_assert(
    std::is_same_v<decltype(asyncio::create_task(std::declval<asyncio::Queue<int>&>().get())),
                   asyncio::Task<int>>);
static_assert(std::is_same_v<decltype(asyncio::create_task(
                                 std::declval<asyncio::PriorityQueue<std::string>&>().get())),
                             asyncio::Task<std::string>>);
static_assert(
    std::is_same_v<decltype(asyncio::create_task(std::declval<asyncio::Queue<int>&>().put(1))),
                   asyncio::Task<void>>);
static_assert(std::is_same_v<decltype(std::declval<asyncio::Queue<int>&>().get_nowait()), int>);
static_assert(
    std::is_same_v<decltype(std::declval<asyncio::LifoQueue<std::unique_ptr<int>>&>().get_nowait()),
                   std::unique_ptr<int>>);
static_assert(std::is_same_v<decltype(std::declval<const asyncio::Queue<int>&>().maxsize()), long>);
static_assert(
    std::is_same_v<decltype(std::declval<const asyncio::Queue<int>&>().qsize()), std::size_t>);
// A queue is a place, not a value: not copyable (tasks hold it by reference).
static_assert(!std::is_copy_constructible_v<asyncio::Queue<int>>);
static_assert(!std::is_copy_assignable_v<asyncio::PriorityQueue<int>>);
// Queue(maxsize) is explicit: `Queue<int> q = 5;` is no accident waiting to happen.
static_assert(!std::is_convertible_v<long, asyncio::Queue<int>>);
// QueueEmpty, QueueFull and QueueShutDown are Python `Exception`s: a generic catch sees them.
static_assert(std::is_base_of_v<std::exception, asyncio::QueueEmpty>);
static_assert(std::is_base_of_v<std::exception, asyncio::QueueFull>);
static_assert(std::is_base_of_v<std::exception, asyncio::QueueShutDown>);

// --- helpers -------------------------------------------------------------------------------

namespace {

/// Python's `str(q)` (C++'s only repr).
template <typename T>
std::string repr(const T& obj) {
  std::ostringstream os;
  os << obj;
  return os.str();
}

/// Python's `q._format()`: the repr without `<Name ` and `>`.
template <typename Q>
std::string format(const Q& q) {
  std::string r = repr(q);
  const auto space = r.find(' ');
  if (r.empty() || r.front() != '<' || r.back() != '>' || space == std::string::npos) return r;
  return r.substr(space + 1, r.size() - space - 2);
}

std::string describe(const std::exception_ptr& e) {
  return asyncio::format_exception(e);
}

/// `self.assertRaises(E, f)`: `f()` throws E (and, if given, with exactly that what()).
template <typename E, typename F>
::testing::AssertionResult raises(F&& f, const char* message = nullptr) {
  try {
    f();
  } catch (const E& e) {
    if (message && std::string(e.what()) != message) {
      return ::testing::AssertionFailure()
             << "the message '" << e.what() << "' is not '" << message << "'";
    }
    return ::testing::AssertionSuccess();
  } catch (...) {
    return ::testing::AssertionFailure() << "raised " << describe(std::current_exception());
  }
  return ::testing::AssertionFailure() << "did not raise";
}

/// `with self.assertRaises(E): await aw` for an asyncio operation or a task.
template <typename E, typename A>
awaitable<::testing::AssertionResult> co_raises(A aw) {
  try {
    co_await std::move(aw);
  } catch (const E&) {
    co_return ::testing::AssertionSuccess();
  } catch (...) {
    co_return ::testing::AssertionFailure() << "raised " << describe(std::current_exception());
  }
  co_return ::testing::AssertionFailure() << "did not raise";
}

/// The queue classes that CPython's mixins are run with (its `q_class`).
struct QueueKind {
  template <typename T>
  using type = asyncio::Queue<T>;
  static constexpr const char* name = "Queue";
};
struct LifoQueueKind {
  template <typename T>
  using type = asyncio::LifoQueue<T>;
  static constexpr const char* name = "LifoQueue";
};
struct PriorityQueueKind {
  template <typename T>
  using type = asyncio::PriorityQueue<T>;
  static constexpr const char* name = "PriorityQueue";
};
/// `self.q_class` holding T.
template <typename K, typename T>
using QueueOf = typename K::template type<T>;

using QueueKinds = ::testing::Types<QueueKind, LifoQueueKind, PriorityQueueKind>;
/// Names each instantiation after its queue class: `QueueJoinTestMixin/LifoQueue.test_...`.
struct QueueKindName {
  template <typename K>
  static std::string GetName(int) {
    return K::name;
  }
};

}  // namespace

/// ASYNCIO_TEST for a typed suite: the body is a coroutine template on `K`, the queue class.
#define ASYNCIO_TYPED_TEST(Suite, Name)                               \
  template <typename K>                                               \
  static ::asyncio::awaitable<void> Suite##_##Name##_coro();          \
  TYPED_TEST(Suite, Name) {                                           \
    ::asyncio::testing::run_test(Suite##_##Name##_coro<TypeParam>()); \
  }                                                                   \
  template <typename K>                                               \
  static ::asyncio::awaitable<void> Suite##_##Name##_coro()

// --- QueueBasicTests -----------------------------------------------------------------------

namespace {

/// CPython's `QueueBasicTests._test_repr_or_str(fn, expect_id)`. C++ prints no id (Python's
/// ` at 0x...`), so `expect_id` is false for test_repr too.
awaitable<void> test_repr_or_str() {
  asyncio::Queue<int> q0;
  EXPECT_TRUE(repr(q0).starts_with("<Queue")) << repr(q0);
  EXPECT_EQ(repr(q0).find("0x"), std::string::npos) << repr(q0);
  EXPECT_EQ(repr(q0), "<Queue maxsize=0>");

  // getters
  asyncio::Queue<int> q;
  asyncio::Task<int> getter;
  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> awaitable<void> {
    // Start a task that waits to get.
    getter = tg.create_task(q.get());
    // Let it start waiting.
    co_await asyncio::sleep(0);
    EXPECT_NE(repr(q).find("_getters[1]"), std::string::npos) << repr(q);
    EXPECT_EQ(repr(q), "<Queue maxsize=0 _getters[1]>");
    // resume q.get coroutine to finish generator
    q.put_nowait(0);
  });

  EXPECT_EQ(0, co_await getter);

  // putters
  asyncio::Queue<int> q1(1);
  asyncio::Task<void> putter;
  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> awaitable<void> {
    q1.put_nowait(1);
    // Start a task that waits to put.
    putter = tg.create_task(q1.put(2));
    // Let it start waiting.
    co_await asyncio::sleep(0);
    EXPECT_NE(repr(q1).find("_putters[1]"), std::string::npos) << repr(q1);
    EXPECT_EQ(repr(q1), "<Queue maxsize=1 _queue=[1] _putters[1] tasks=1>");
    // resume q.put coroutine to finish generator
    q1.get_nowait();
  });

  EXPECT_TRUE(putter.done());

  asyncio::Queue<int> q2;
  q2.put_nowait(1);
  EXPECT_NE(repr(q2).find("_queue=[1]"), std::string::npos) << repr(q2);
  EXPECT_EQ(repr(q2), "<Queue maxsize=0 _queue=[1] tasks=1>");
}

}  // namespace

ASYNCIO_TEST(QueueBasicTests, test_repr) {
  co_await test_repr_or_str();
}

ASYNCIO_TEST(QueueBasicTests, test_str) {
  co_await test_repr_or_str();
}

ASYNCIO_TEST(QueueBasicTests, test_empty) {
  asyncio::Queue<int> q;
  EXPECT_TRUE(q.empty());
  co_await q.put(1);
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(1, co_await q.get());
  EXPECT_TRUE(q.empty());
}

ASYNCIO_TEST(QueueBasicTests, test_full) {
  asyncio::Queue<int> q;
  EXPECT_FALSE(q.full());

  asyncio::Queue<int> q1(1);
  co_await q1.put(1);
  EXPECT_TRUE(q1.full());
}

ASYNCIO_TEST(QueueBasicTests, test_order) {
  asyncio::Queue<int> q;
  for (int i : {1, 3, 2}) co_await q.put(i);

  std::vector<int> items;
  for (int n = 0; n < 3; ++n) items.push_back(co_await q.get());
  EXPECT_EQ(items, (std::vector<int>{1, 3, 2}));
}

ASYNCIO_TEST(QueueBasicTests, test_maxsize) {
  asyncio::Queue<int> q(2);
  EXPECT_EQ(2, q.maxsize());
  std::vector<int> have_been_put;

  auto putter = [&]() -> awaitable<bool> {
    for (int i = 0; i < 3; ++i) {
      co_await q.put(i);
      have_been_put.push_back(i);
    }
    co_return true;
  };

  auto t = asyncio::create_task(putter());
  for (int i = 0; i < 2; ++i) co_await asyncio::sleep(0);

  // The putter is blocked after putting two items.
  EXPECT_EQ(have_been_put, (std::vector<int>{0, 1}));
  EXPECT_EQ(0, co_await q.get());

  // Let the putter resume and put last item.
  co_await asyncio::sleep(0);
  EXPECT_EQ(have_been_put, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(1, co_await q.get());
  EXPECT_EQ(2, co_await q.get());

  CO_ASSERT_TRUE(t.done());
  EXPECT_TRUE(t.result());
  EXPECT_EQ(now(), 0.0);
}

// --- QueueGetTests -------------------------------------------------------------------------

ASYNCIO_TEST(QueueGetTests, test_blocking_get) {
  asyncio::Queue<int> q;
  q.put_nowait(1);

  EXPECT_EQ(1, co_await q.get());
}

ASYNCIO_TEST(QueueGetTests, test_get_with_putters) {
  asyncio::Queue<int> q(1);
  co_await q.put(1);

  // CPython: `waiter = loop.create_future(); q._putters.append(waiter)`. Here the waiter is
  // a task blocked in put(2).
  auto waiter = asyncio::create_task(q.put(2));
  co_await asyncio::sleep(0);
  CO_ASSERT_EQ(q.putters_.size(), 1u);

  EXPECT_EQ(1, co_await q.get());
  // waiter.done(): get() woke the putter and took it off _putters, before yielding.
  EXPECT_TRUE(q.putters_.empty());
  co_await waiter;  // waiter.result() is None
  EXPECT_TRUE(waiter.done());
  EXPECT_EQ(q.get_nowait(), 2);
}

ASYNCIO_TEST(QueueGetTests, test_blocking_get_wait) {
  auto& loop = asyncio::get_running_loop();
  asyncio::Queue<int> q;
  asyncio::Event started;
  bool finished = false;

  auto queue_get = [&]() -> awaitable<int> {
    started.set();
    int res = co_await q.get();
    finished = true;
    co_return res;
  };

  auto queue_get_task = asyncio::create_task(queue_get());
  co_await started.wait();
  EXPECT_FALSE(finished);
  loop.call_later(0.01, [&q] { q.put_nowait(1); });
  int res = co_await queue_get_task;
  EXPECT_TRUE(finished);
  EXPECT_EQ(1, res);
  EXPECT_EQ(now(), 0.01);
}

TEST(QueueGetTests, test_nonblocking_get) {
  asyncio::Queue<int> q;
  q.put_nowait(1);
  EXPECT_EQ(1, q.get_nowait());
}

TEST(QueueGetTests, test_nonblocking_get_exception) {
  asyncio::Queue<int> q;
  EXPECT_TRUE(raises<asyncio::QueueEmpty>([&] { q.get_nowait(); }));
}

ASYNCIO_TEST(QueueGetTests, test_get_cancelled_race) {
  asyncio::Queue<std::string> q;

  auto t1 = asyncio::create_task(q.get());
  auto t2 = asyncio::create_task(q.get());

  co_await asyncio::sleep(0);
  t1.cancel();
  co_await asyncio::sleep(0);
  EXPECT_TRUE(t1.done());
  co_await q.put("a");
  co_await asyncio::sleep(0);
  EXPECT_EQ("a", co_await t2);
}

ASYNCIO_TEST(QueueGetTests, test_get_with_waiting_putters) {
  asyncio::Queue<std::string> q(1);
  auto put_a = asyncio::create_task(q.put("a"));
  auto put_b = asyncio::create_task(q.put("b"));
  EXPECT_EQ(co_await q.get(), "a");
  EXPECT_EQ(co_await q.get(), "b");
  // Python drops the tasks; here they must end before the queue goes out of scope.
  co_await put_a;
  co_await put_b;
}

ASYNCIO_TEST(QueueGetTests, test_why_are_getters_waiting) {
  auto consumer = [](asyncio::Queue<int>& queue, int num_expected) -> awaitable<void> {
    for (int n = 0; n < num_expected; ++n) co_await queue.get();
  };

  auto producer = [](asyncio::Queue<int>& queue, int num_items) -> awaitable<void> {
    for (int i = 0; i < num_items; ++i) co_await queue.put(i);
  };

  const int producer_num_items = 5;

  asyncio::Queue<int> q(1);
  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> awaitable<void> {
    tg.create_task(producer(q, producer_num_items));
    tg.create_task(consumer(q, producer_num_items));
    co_return;
  });
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(QueueGetTests, test_cancelled_getters_not_being_held_in_self_getters) {
  asyncio::Queue<int> queue(5);

  EXPECT_TRUE(co_await co_raises<asyncio::TimeoutError>(asyncio::wait_for(queue.get(), 0.1)));
  EXPECT_EQ(now(), 0.1);

  EXPECT_EQ(queue.getters_.size(), 0u);
  EXPECT_EQ(repr(queue), "<Queue maxsize=5>");
}

// --- QueuePutTests -------------------------------------------------------------------------

ASYNCIO_TEST(QueuePutTests, test_blocking_put) {
  asyncio::Queue<int> q;

  // No maxsize, won't block.
  co_await q.put(1);
  EXPECT_EQ(1, co_await q.get());
}

ASYNCIO_TEST(QueuePutTests, test_blocking_put_wait) {
  asyncio::Queue<int> q(1);
  asyncio::Event started;
  bool finished = false;

  auto queue_put = [&]() -> awaitable<void> {
    started.set();
    co_await q.put(1);
    co_await q.put(2);
    finished = true;
  };

  auto& loop = asyncio::get_running_loop();
  loop.call_later(0.01, [&q] { q.get_nowait(); });
  auto queue_put_task = asyncio::create_task(queue_put());
  co_await started.wait();
  EXPECT_FALSE(finished);
  co_await queue_put_task;
  EXPECT_TRUE(finished);
  EXPECT_EQ(now(), 0.01);
  EXPECT_EQ(q.get_nowait(), 2);
}

TEST(QueuePutTests, test_nonblocking_put) {
  asyncio::Queue<int> q;
  q.put_nowait(1);
  EXPECT_EQ(1, q.get_nowait());
}

ASYNCIO_TEST(QueuePutTests, test_get_cancel_drop_one_pending_reader) {
  asyncio::Queue<int> q;

  auto reader = asyncio::create_task(q.get());

  co_await asyncio::sleep(0);

  q.put_nowait(1);
  q.put_nowait(2);
  reader.cancel();

  bool cancelled = false;
  try {
    co_await reader;
  } catch (const asyncio::CancelledError&) {
    cancelled = true;
  }
  if (cancelled) {
    // try again
    reader = asyncio::create_task(q.get());
    co_await reader;
  }

  int result = reader.result();
  // if we get 2, it means 1 got dropped!
  EXPECT_EQ(1, result);
}

ASYNCIO_TEST(QueuePutTests, test_get_cancel_drop_many_pending_readers) {
  asyncio::Queue<int> q;

  asyncio::Task<int> reader1, reader2, reader3;
  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> awaitable<void> {
    reader1 = tg.create_task(q.get());
    reader2 = tg.create_task(q.get());
    reader3 = tg.create_task(q.get());

    co_await asyncio::sleep(0);

    q.put_nowait(1);
    q.put_nowait(2);
    reader1.cancel();

    EXPECT_TRUE(co_await co_raises<asyncio::CancelledError>(reader1));

    co_await reader3;
  });

  // It is undefined in which order concurrent readers receive results.
  EXPECT_EQ((std::set<int>{reader2.result(), reader3.result()}), (std::set<int>{1, 2}));
}

ASYNCIO_TEST(QueuePutTests, test_put_cancel_drop) {
  asyncio::Queue<int> q(1);

  q.put_nowait(1);

  // putting a second item in the queue has to block (qsize=1)
  auto writer = asyncio::create_task(q.put(2));
  co_await asyncio::sleep(0);

  int value1 = q.get_nowait();
  EXPECT_EQ(value1, 1);

  writer.cancel();
  bool cancelled = false;
  try {
    co_await writer;
  } catch (const asyncio::CancelledError&) {
    cancelled = true;
  }
  if (cancelled) {
    // try again
    writer = asyncio::create_task(q.put(2));
    co_await writer;
  }

  int value2 = q.get_nowait();
  EXPECT_EQ(value2, 2);
  EXPECT_EQ(q.qsize(), 0u);
}

TEST(QueuePutTests, test_nonblocking_put_exception) {
  asyncio::Queue<int> q(1);
  q.put_nowait(1);
  EXPECT_TRUE(raises<asyncio::QueueFull>([&] { q.put_nowait(2); }));
}

ASYNCIO_TEST(QueuePutTests, test_put_cancelled) {
  asyncio::Queue<int> q;

  auto queue_put = [&]() -> awaitable<bool> {
    co_await q.put(1);
    co_return true;
  };

  auto t = asyncio::create_task(queue_put());

  EXPECT_EQ(1, co_await q.get());
  CO_ASSERT_TRUE(t.done());
  EXPECT_TRUE(t.result());
}

ASYNCIO_TEST(QueuePutTests, test_put_cancelled_race) {
  asyncio::Queue<std::string> q(1);

  auto put_a = asyncio::create_task(q.put("a"));
  auto put_b = asyncio::create_task(q.put("b"));
  auto put_c = asyncio::create_task(q.put("X"));

  co_await asyncio::sleep(0);
  EXPECT_TRUE(put_a.done());
  EXPECT_FALSE(put_b.done());

  put_c.cancel();
  co_await asyncio::sleep(0);
  EXPECT_TRUE(put_c.done());
  EXPECT_EQ(q.get_nowait(), "a");
  co_await asyncio::sleep(0);
  EXPECT_EQ(q.get_nowait(), "b");

  co_await put_b;
}

ASYNCIO_TEST(QueuePutTests, test_put_with_waiting_getters) {
  asyncio::Queue<std::string> q;
  auto t = asyncio::create_task(q.get());
  co_await asyncio::sleep(0);
  co_await q.put("a");
  EXPECT_EQ(co_await t, "a");
}

ASYNCIO_TEST(QueuePutTests, test_why_are_putters_waiting) {
  asyncio::Queue<int> queue(2);

  auto putter = [](asyncio::Queue<int>& queue, int item) -> awaitable<void> {
    co_await queue.put(item);
  };

  auto getter = [](asyncio::Queue<int>& queue) -> awaitable<void> {
    co_await asyncio::sleep(0);
    const std::size_t num = queue.qsize();
    for (std::size_t n = 0; n < num; ++n) queue.get_nowait();
  };

  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> awaitable<void> {
    tg.create_task(getter(queue));
    tg.create_task(putter(queue, 0));
    tg.create_task(putter(queue, 1));
    tg.create_task(putter(queue, 2));
    tg.create_task(putter(queue, 3));
    co_return;
  });
  EXPECT_EQ(queue.qsize(), 2u);
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(QueuePutTests, test_cancelled_puts_not_being_held_in_self_putters) {
  // Full queue.
  asyncio::Queue<int> queue(1);
  queue.put_nowait(1);

  // Task waiting for space to put an item in the queue.
  auto put_task = asyncio::create_task(queue.put(1));
  co_await asyncio::sleep(0);

  // Check that the putter is correctly removed from queue._putters when
  // the task is canceled.
  EXPECT_EQ(queue.putters_.size(), 1u);
  put_task.cancel();
  EXPECT_TRUE(co_await co_raises<asyncio::CancelledError>(put_task));
  EXPECT_EQ(queue.putters_.size(), 0u);
}

ASYNCIO_TEST(QueuePutTests, test_cancelled_put_silence_value_error_exception) {
  // Full Queue.
  asyncio::Queue<int> queue(1);
  queue.put_nowait(1);

  // Task waiting for space to put a item in the queue.
  auto put_task = asyncio::create_task(queue.put(1));
  co_await asyncio::sleep(0);

  // get_nowait() remove the future of put_task from queue._putters.
  queue.get_nowait();
  // When canceled, queue.put is going to remove its future from
  // self._putters but it was removed previously by queue.get_nowait().
  put_task.cancel();

  // The ValueError exception triggered by queue._putters.remove(putter)
  // inside queue.put should be silenced.
  // If the ValueError is silenced we should catch a CancelledError.
  EXPECT_TRUE(co_await co_raises<asyncio::CancelledError>(put_task));
}

// --- LifoQueueTests, PriorityQueueTests ----------------------------------------------------

ASYNCIO_TEST(LifoQueueTests, test_order) {
  asyncio::LifoQueue<int> q;
  for (int i : {1, 3, 2}) co_await q.put(i);

  std::vector<int> items;
  for (int n = 0; n < 3; ++n) items.push_back(co_await q.get());
  EXPECT_EQ(items, (std::vector<int>{2, 3, 1}));
}

ASYNCIO_TEST(PriorityQueueTests, test_order) {
  asyncio::PriorityQueue<int> q;
  for (int i : {1, 3, 2}) co_await q.put(i);

  std::vector<int> items;
  for (int n = 0; n < 3; ++n) items.push_back(co_await q.get());
  EXPECT_EQ(items, (std::vector<int>{1, 2, 3}));
}

// --- QueueJoinTestMixin (CPython: _QueueJoinTestMixin) -------------------------------------
// Instantiated for Queue, LifoQueue and PriorityQueue: CPython's QueueJoinTests,
// LifoQueueJoinTests and PriorityQueueJoinTests.

template <typename K>
class QueueJoinTestMixin : public ::testing::Test {};
TYPED_TEST_SUITE(QueueJoinTestMixin, QueueKinds, QueueKindName);

TYPED_TEST(QueueJoinTestMixin, test_task_done_underflow) {
  QueueOf<TypeParam, int> q;
  EXPECT_TRUE(
      raises<asyncio::ValueError>([&] { q.task_done(); }, "task_done() called too many times"));
}

ASYNCIO_TYPED_TEST(QueueJoinTestMixin, test_task_done) {
  QueueOf<K, int> q;
  for (int i = 0; i < 100; ++i) q.put_nowait(i);

  int accumulator = 0;

  // Two workers get items from the queue and call task_done after each.
  // Join the queue and assert all items have been processed.
  bool running = true;

  auto worker = [&]() -> awaitable<void> {
    while (running) {
      int item = co_await q.get();
      accumulator += item;
      q.task_done();
    }
  };

  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> awaitable<void> {
    std::vector<asyncio::Task<void>> tasks;
    for (int index = 0; index < 2; ++index) tasks.push_back(tg.create_task(worker()));

    co_await q.join();
    EXPECT_EQ(99 * 100 / 2, accumulator);

    // close running generators
    running = false;
    for (std::size_t i = 0; i < tasks.size(); ++i) q.put_nowait(0);
  });
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TYPED_TEST(QueueJoinTestMixin, test_join_empty_queue) {
  QueueOf<K, int> q;

  // Test that a queue join()s successfully, and before anything else
  // (done twice for insurance).

  co_await q.join();
  co_await q.join();
}

ASYNCIO_TYPED_TEST(QueueJoinTestMixin, test_format) {
  QueueOf<K, int> q;
  EXPECT_EQ(format(q), "maxsize=0");
  EXPECT_EQ(repr(q), std::string("<") + K::name + " maxsize=0>");

  // `q._unfinished_tasks = 2`: two items put and taken, not yet marked done.
  q.put_nowait(1);
  q.put_nowait(2);
  q.get_nowait();
  q.get_nowait();
  EXPECT_EQ(format(q), "maxsize=0 tasks=2");
  co_return;
}

// --- QueueShutdownTestMixin (CPython: _QueueShutdownTestMixin) -----------------------------
// Instantiated for Queue, LifoQueue and PriorityQueue: CPython's QueueShutdownTests,
// LifoQueueShutdownTests and PriorityQueueShutdownTests.

template <typename K>
class QueueShutdownTestMixin : public ::testing::Test {};
TYPED_TEST_SUITE(QueueShutdownTestMixin, QueueKinds, QueueKindName);

ASYNCIO_TYPED_TEST(QueueShutdownTestMixin, test_format) {
  QueueOf<K, std::string> q;
  q.shutdown();
  EXPECT_EQ(format(q), "maxsize=0 shutdown");
  co_return;
}

ASYNCIO_TYPED_TEST(QueueShutdownTestMixin, test_shutdown_empty) {
  // Test shutting down an empty queue

  // Setup empty queue, and join() and get() tasks
  QueueOf<K, std::string> q;
  auto& loop = asyncio::get_running_loop();
  auto get_task = loop.create_task(q.get());
  co_await asyncio::sleep(0);  // want get task pending before shutdown

  // Perform shut-down
  q.shutdown(false);  // unfinished tasks: 0 -> 0

  EXPECT_EQ(q.qsize(), 0u);

  // Ensure join() task successfully finishes
  co_await q.join();

  // Ensure get() task is finished, and raised ShutDown
  co_await asyncio::sleep(0);
  EXPECT_TRUE(get_task.done());
  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(get_task));

  // Ensure put() and get() raise ShutDown
  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(q.put("data")));
  EXPECT_TRUE(raises<asyncio::QueueShutDown>([&] { q.put_nowait("data"); }));

  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(q.get()));
  EXPECT_TRUE(raises<asyncio::QueueShutDown>([&] { q.get_nowait(); }));
}

ASYNCIO_TYPED_TEST(QueueShutdownTestMixin, test_shutdown_nonempty) {
  // Test shutting down a non-empty queue

  // Setup full queue with 1 item, and join() and put() tasks
  QueueOf<K, std::string> q(1);
  auto& loop = asyncio::get_running_loop();

  q.put_nowait("data");
  auto join_task = loop.create_task(q.join());
  auto put_task = loop.create_task(q.put("data2"));

  // Ensure put() task is not finished
  co_await asyncio::sleep(0);
  EXPECT_FALSE(put_task.done());

  // Perform shut-down
  q.shutdown(false);  // unfinished tasks: 1 -> 1

  EXPECT_EQ(q.qsize(), 1u);

  // Ensure put() task is finished, and raised ShutDown
  co_await asyncio::sleep(0);
  EXPECT_TRUE(put_task.done());
  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(put_task));

  // Ensure get() succeeds on enqueued item
  EXPECT_EQ(co_await q.get(), "data");

  // Ensure join() task is not finished
  co_await asyncio::sleep(0);
  EXPECT_FALSE(join_task.done());

  // Ensure put() and get() raise ShutDown
  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(q.put("data")));
  EXPECT_TRUE(raises<asyncio::QueueShutDown>([&] { q.put_nowait("data"); }));

  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(q.get()));
  EXPECT_TRUE(raises<asyncio::QueueShutDown>([&] { q.get_nowait(); }));

  // Ensure there is 1 unfinished task, and join() task succeeds
  q.task_done();

  co_await asyncio::sleep(0);
  EXPECT_TRUE(join_task.done());
  co_await join_task;

  // "Didn't appear to mark all tasks done"
  EXPECT_TRUE(raises<asyncio::ValueError>([&] { q.task_done(); }));
}

ASYNCIO_TYPED_TEST(QueueShutdownTestMixin, test_shutdown_immediate) {
  // Test immediately shutting down a queue

  // Setup queue with 1 item, and a join() task
  QueueOf<K, std::string> q;
  auto& loop = asyncio::get_running_loop();
  q.put_nowait("data");
  auto join_task = loop.create_task(q.join());

  // Perform shut-down
  q.shutdown(true);  // unfinished tasks: 1 -> 0

  EXPECT_EQ(q.qsize(), 0u);

  // Ensure join() task has successfully finished
  co_await asyncio::sleep(0);
  EXPECT_TRUE(join_task.done());
  co_await join_task;

  // Ensure put() and get() raise ShutDown
  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(q.put("data")));
  EXPECT_TRUE(raises<asyncio::QueueShutDown>([&] { q.put_nowait("data"); }));

  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(q.get()));
  EXPECT_TRUE(raises<asyncio::QueueShutDown>([&] { q.get_nowait(); }));

  // Ensure there are no unfinished tasks
  // "Didn't appear to mark all tasks done"
  EXPECT_TRUE(raises<asyncio::ValueError>([&] { q.task_done(); }));
}

ASYNCIO_TYPED_TEST(QueueShutdownTestMixin, test_shutdown_immediate_with_unfinished) {
  // Test immediately shutting down a queue with unfinished tasks

  // Setup queue with 2 items (1 retrieved), and a join() task
  QueueOf<K, std::string> q;
  auto& loop = asyncio::get_running_loop();
  q.put_nowait("data");
  q.put_nowait("data");
  auto join_task = loop.create_task(q.join());
  EXPECT_EQ(co_await q.get(), "data");

  // Perform shut-down
  q.shutdown(true);  // unfinished tasks: 2 -> 1

  EXPECT_EQ(q.qsize(), 0u);

  // Ensure join() task is not finished
  co_await asyncio::sleep(0);
  EXPECT_FALSE(join_task.done());

  // Ensure put() and get() raise ShutDown
  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(q.put("data")));
  EXPECT_TRUE(raises<asyncio::QueueShutDown>([&] { q.put_nowait("data"); }));

  EXPECT_TRUE(co_await co_raises<asyncio::QueueShutDown>(q.get()));
  EXPECT_TRUE(raises<asyncio::QueueShutDown>([&] { q.get_nowait(); }));

  // Ensure there is 1 unfinished task
  q.task_done();
  // "Didn't appear to mark all tasks done"
  EXPECT_TRUE(raises<asyncio::ValueError>([&] { q.task_done(); }));

  // Ensure join() task has successfully finished
  co_await asyncio::sleep(0);
  EXPECT_TRUE(join_task.done());
  co_await join_task;
}

// --- QueueCppTests (no CPython twin) -------------------------------------------------------

// A move-only element type goes through put, get, put_nowait and get_nowait, including a
// put that waits for room (the item is held by the waiting put) and a get that waits.
ASYNCIO_TEST(QueueCppTests, MoveOnlyElement) {
  using Ptr = std::unique_ptr<int>;
  asyncio::Queue<Ptr> q(1);

  co_await q.put(std::make_unique<int>(1));
  EXPECT_TRUE(q.full());
  EXPECT_TRUE(raises<asyncio::QueueFull>([&] { q.put_nowait(std::make_unique<int>(9)); }));

  auto putter = [](asyncio::Queue<Ptr>& q, int v) -> awaitable<void> {
    co_await q.put(std::make_unique<int>(v));
  };
  auto put_task = asyncio::create_task(putter(q, 2));
  co_await asyncio::sleep(0);
  EXPECT_FALSE(put_task.done());  // waits for room, holding its item

  auto v = co_await q.get();
  static_assert(std::is_same_v<decltype(v), Ptr>);  // `co_await q.get()` gives T
  CO_ASSERT_TRUE(v != nullptr);
  EXPECT_EQ(*v, 1);

  co_await put_task;
  Ptr w = q.get_nowait();
  CO_ASSERT_TRUE(w != nullptr);
  EXPECT_EQ(*w, 2);
  EXPECT_TRUE(q.empty());

  // A get that waits receives the item put_nowait() moves in.
  auto getter = [](asyncio::Queue<Ptr>& q) -> awaitable<Ptr> { co_return co_await q.get(); };
  auto get_task = asyncio::create_task(getter(q));
  co_await asyncio::sleep(0);
  q.put_nowait(std::make_unique<int>(3));
  Ptr x = co_await get_task;
  CO_ASSERT_TRUE(x != nullptr);
  EXPECT_EQ(*x, 3);

  // LifoQueue and PriorityQueue (by pointee) move their items too.
  asyncio::LifoQueue<Ptr> lifo;
  lifo.put_nowait(std::make_unique<int>(1));
  co_await lifo.put(std::make_unique<int>(2));
  EXPECT_EQ(*lifo.get_nowait(), 2);
  EXPECT_EQ(*(co_await lifo.get()), 1);

  struct ByPointee {
    bool operator()(const Ptr& a, const Ptr& b) const { return *a < *b; }
  };
  asyncio::PriorityQueue<Ptr, ByPointee> prio;
  for (int i : {3, 1, 2}) prio.put_nowait(std::make_unique<int>(i));
  EXPECT_EQ(*prio.get_nowait(), 1);
  EXPECT_EQ(*(co_await prio.get()), 2);
  EXPECT_EQ(*prio.get_nowait(), 3);
  EXPECT_EQ(now(), 0.0);
}

// The putter twin of QueuePutTests.test_get_cancel_drop_many_pending_readers: a put woken
// by get_nowait() but cancelled before it ran adds nothing and passes the wake-up on to the
// next putter. Times, order and reprs are CPython 3.13's for the same script.
ASYNCIO_TEST(QueueCppTests, CancelledPutAfterWakeUpWakesNextPutter) {
  asyncio::Queue<int> q(1);
  q.put_nowait(1);
  auto w1 = asyncio::create_task(q.put(2));
  auto w2 = asyncio::create_task(q.put(3));
  co_await asyncio::sleep(0);

  EXPECT_EQ(q.get_nowait(), 1);  // wakes w1
  EXPECT_EQ(repr(q), "<Queue maxsize=1 _putters[1] tasks=1>");
  w1.cancel();
  EXPECT_TRUE(co_await co_raises<asyncio::CancelledError>(w1));
  EXPECT_TRUE(w2.done());
  EXPECT_EQ(repr(q), "<Queue maxsize=1 _queue=[3] tasks=2>");
  co_await w2;
  EXPECT_EQ(q.get_nowait(), 3);
  EXPECT_EQ(q.qsize(), 0u);
  EXPECT_EQ(now(), 0.0);
}

// A PriorityQueue with a custom Compare gives the smallest item by that Compare first, as
// heapq does with Python's (priority, data) tuples; equal priorities are not FIFO (heap).
ASYNCIO_TEST(QueueCppTests, PriorityQueueCustomCompare) {
  asyncio::PriorityQueue<int, std::greater<int>> max_first;
  for (int i : {1, 3, 2}) co_await max_first.put(i);
  std::vector<int> items;
  for (int n = 0; n < 3; ++n) items.push_back(co_await max_first.get());
  EXPECT_EQ(items, (std::vector<int>{3, 2, 1}));

  struct Job {
    int priority;
    std::string name;
  };
  struct ByPriority {
    bool operator()(const Job& a, const Job& b) const { return a.priority < b.priority; }
  };
  asyncio::PriorityQueue<Job, ByPriority> jobs;
  jobs.put_nowait({5, "low"});
  jobs.put_nowait({1, "urgent"});
  jobs.put_nowait({3, "normal"});

  // A waiting getter gets the smallest by Compare among what is there when it runs.
  auto first = asyncio::create_task(jobs.get());
  EXPECT_EQ((co_await first).name, "urgent");
  EXPECT_EQ(jobs.get_nowait().name, "normal");
  EXPECT_EQ(jobs.get_nowait().name, "low");
  EXPECT_TRUE(jobs.empty());
  EXPECT_TRUE(raises<asyncio::QueueEmpty>([&] { jobs.get_nowait(); }));
}

// The repr of LifoQueue and PriorityQueue, item list in storage order (a heap for
// PriorityQueue), before and after shutdown; the strings are CPython 3.13's str(q).
TEST(QueueCppTests, ReprOfEachQueueClass) {
  asyncio::LifoQueue<std::string> lifo;
  asyncio::PriorityQueue<std::string> prio;
  for (const char* s : {"b", "a", "c"}) {
    lifo.put_nowait(s);
    prio.put_nowait(s);
  }
  EXPECT_EQ(repr(lifo), "<LifoQueue maxsize=0 _queue=['b', 'a', 'c'] tasks=3>");
  EXPECT_EQ(repr(prio), "<PriorityQueue maxsize=0 _queue=['a', 'b', 'c'] tasks=3>");
  lifo.shutdown();
  prio.shutdown();
  EXPECT_EQ(repr(lifo), "<LifoQueue maxsize=0 _queue=['b', 'a', 'c'] tasks=3 shutdown>");
  EXPECT_EQ(repr(prio), "<PriorityQueue maxsize=0 _queue=['a', 'b', 'c'] tasks=3 shutdown>");
  lifo.shutdown(true);
  prio.shutdown(true);
  EXPECT_EQ(repr(lifo), "<LifoQueue maxsize=0 shutdown>");
  EXPECT_EQ(repr(prio), "<PriorityQueue maxsize=0 shutdown>");

  // Heap order, not sorted order: heapq's list after each push and pop (CPython 3.13).
  asyncio::PriorityQueue<int> heap;
  for (int i : {5, 3, 8, 1, 4}) heap.put_nowait(i);
  EXPECT_EQ(repr(heap), "<PriorityQueue maxsize=0 _queue=[1, 3, 8, 5, 4] tasks=5>");
  EXPECT_EQ(heap.get_nowait(), 1);
  EXPECT_EQ(repr(heap), "<PriorityQueue maxsize=0 _queue=[3, 4, 8, 5] tasks=5>");
  for (int i : {7, 2, 2, 9, 0, 6}) heap.put_nowait(i);
  EXPECT_EQ(repr(heap), "<PriorityQueue maxsize=0 _queue=[0, 2, 2, 4, 6, 8, 3, 9, 5, 7] tasks=11>");
  EXPECT_EQ(heap.get_nowait(), 0);
  EXPECT_EQ(heap.get_nowait(), 2);
  heap.task_done();
  EXPECT_EQ(repr(heap), "<PriorityQueue maxsize=0 _queue=[2, 4, 3, 5, 6, 8, 7, 9] tasks=10>");
}

// is_shutdown() reports shutdown(), immediate or not, and nothing before it.
TEST(QueueCppTests, IsShutdownReportsShutdown) {
  asyncio::Queue<int> q;
  EXPECT_FALSE(q.is_shutdown());
  q.shutdown();
  EXPECT_TRUE(q.is_shutdown());
  asyncio::LifoQueue<int> l;
  l.put_nowait(1);
  l.shutdown(true);
  EXPECT_TRUE(l.is_shutdown());
  EXPECT_TRUE(l.empty());
}

// --- A queue destroyed while tasks wait (no CPython twin: Python keeps it alive) ----------

using asyncio::testing::destroy_while_waiting;

ASYNCIO_TEST(QueueCppTests, DestroyedWhileATaskWaitsToGet) {
  auto q = std::make_unique<asyncio::Queue<int>>();
  co_await destroy_while_waiting(
      q, [](asyncio::Queue<int>& x) -> awaitable<void> { co_await x.get(); });
}

ASYNCIO_TEST(QueueCppTests, DestroyedWhileATaskWaitsToPut) {
  auto q = std::make_unique<asyncio::Queue<int>>(1);
  q->put_nowait(1);
  co_await destroy_while_waiting(
      q, [](asyncio::Queue<int>& x) -> awaitable<void> { co_await x.put(2); });
}

ASYNCIO_TEST(QueueCppTests, DestroyedWhileATaskJoins) {
  auto q = std::make_unique<asyncio::Queue<int>>();
  q->put_nowait(1);
  co_await destroy_while_waiting(
      q, [](asyncio::Queue<int>& x) -> awaitable<void> { co_await x.join(); });
}

// Woken by put_nowait(), then destroyed (with the item) before the getter ran.
ASYNCIO_TEST(QueueCppTests, DestroyedAfterWakingAGetter) {
  auto q = std::make_unique<asyncio::Queue<int>>();
  auto t = asyncio::create_task(
      [](asyncio::Queue<int>& x) -> awaitable<int> { co_return co_await x.get(); }(*q));
  co_await asyncio::sleep(0);
  q->put_nowait(1);
  q.reset();
  co_await asyncio::sleep(1);
  EXPECT_FALSE(t.done());
  t.cancel();
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(t));
}
