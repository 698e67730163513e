// Ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py, second translation unit: the
// gather, wait, as_completed and shield tests (test_tasks.cpp holds the task, cancel and
// sleep parts; the split keeps compile times down). Each test is named Suite.test_name after
// the CPython class that defines the method, so `--gtest_filter=GatherTestsBase.test_success`
// and `unittest ...GatherTestsBase.test_success` select the same case. GatherTestsBase's
// methods run in both of CPython's subclasses, FutureGatherTests (the children are futures,
// gather is called with no running loop) and CoroutineGatherTests (each child is a coroutine
// awaiting its future, gather is called inside a coroutine), as two subtests of one test.
// Requirements with no CPython twin (gather of nothing, errors and cancellation spelled out)
// are in the suites CppGatherTests and CppWaitTests at the end, with PascalCase names.
//
// Skipped, with the reason:
//   GatherTestsBase.test_env_var_debug: PYTHONASYNCIODEBUG/-X dev; C++ debug mode is
//     RunOptions{.debug}, there is no environment variable.
//   FutureGatherTests.test_constructor_empty_sequence_use_global_loop,
//     CoroutineGatherTests.test_constructor_use_global_loop,
//     BaseTaskTests.test_shield_coroutine_use_global_loop: no set_event_loop()/global loop.
//   BaseTaskTests.test_as_completed_same_tasks_in_as_out: `async for` yields the futures
//     themselves; C++ has no async iterator, its items are awaitables of the results.
//   BaseTaskTests.test_task_del_collect: gc.collect() in __del__ during gather; no GC.
//   Compile-time only, checked by the static_asserts below: CoroutineGatherTests.test_issue46672
//     (gather(c, {}) raises TypeError), BaseTaskTests.test_as_completed_invalid_args
//     (as_completed(fut), as_completed(coro)) and the TypeError part of test_wait_invalid_args
//     (wait() of coroutines is a compile error too, but not one a concept can detect, so it is
//     not asserted).
//   Python's async-iterator variants (`async for f in as_completed(...)`) have no C++ twin;
//     where CPython runs both, the range-for and the `.next()` spelling are run instead.
//   CancelledError with non-string args (cancel(5)) and __context__ chains in
//     test_cancel_gather_2: C++ messages are strings, there is no exception chaining.
//   The DeprecationWarning of test_yield_wait_does_not_shield_cancel: none in C++.
//
// Adaptations: CPython's `self.loop` is a non-running EventLoop on virtual time; TestLoop's
// time generators and advance_time() become exact loop.time() checks (the virtual clock
// jumps to the next timer, so times are those of a real run); sets of done/pending tasks are
// compared as sets; a coroutine object passed twice (test_*_duplicate_coroutines) becomes
// the same Task passed twice, since an awaitable<T> cannot be copied; `sleep(d, result)`
// becomes a coroutine returning its value after sleep(d).

#include <asyncio/gather.hpp>

#include <asyncio/future.hpp>
#include <asyncio/shield.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait.hpp>

#include "asyncio_test.hpp"

#include <algorithm>
#include <exception>
#include <list>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using asyncio::awaitable;
using asyncio::testing::now;
using asyncio::testing::run_briefly;
using asyncio::testing::yield_briefly;

// --- type contracts ------------------------------------------------------------------------

// gather(a, b) gives a tuple, in argument order, of any mix of awaitables, tasks and futures.
static_assert(std::is_same_v<decltype(asyncio::gather(std::declval<awaitable<int>>(),
                                                      std::declval<awaitable<std::string>>())),
                             asyncio::Future<std::tuple<int, std::string>>>);
static_assert(std::is_same_v<decltype(asyncio::gather(std::declval<asyncio::Task<int>>(),
                                                      std::declval<asyncio::Future<double>&>(),
                                                      asyncio::sleep(1s))),
                             asyncio::Future<std::tuple<int, double, std::monostate>>>);
// void gives std::monostate.
static_assert(std::is_same_v<decltype(asyncio::gather(std::declval<awaitable<void>>())),
                             asyncio::Future<std::tuple<std::monostate>>>);
// gather() of nothing: an empty tuple.
static_assert(std::is_same_v<decltype(asyncio::gather()), asyncio::Future<std::tuple<>>>);
// The vector form gives a vector.
static_assert(std::is_same_v<decltype(asyncio::gather(std::declval<std::vector<awaitable<int>>>())),
                             asyncio::Future<std::vector<int>>>);
static_assert(
    std::is_same_v<decltype(asyncio::gather(std::declval<std::vector<asyncio::Task<void>>>())),
                   asyncio::Future<std::vector<std::monostate>>>);
// return_exceptions gives Outcome<T>, in both forms.
static_assert(std::is_same_v<
              decltype(asyncio::gather(asyncio::return_exceptions, std::declval<awaitable<int>>(),
                                       std::declval<awaitable<void>>())),
              asyncio::Future<std::tuple<asyncio::Outcome<int>, asyncio::Outcome<void>>>>);
static_assert(std::is_same_v<decltype(asyncio::gather(asyncio::return_exceptions,
                                                      std::declval<std::vector<awaitable<int>>>())),
                             asyncio::Future<std::vector<asyncio::Outcome<int>>>>);
static_assert(std::is_same_v<decltype(std::declval<const asyncio::Outcome<int>&>().exception()),
                             std::exception_ptr>);

// wait() gives {done, pending} of the handles it was given.
static_assert(
    std::is_same_v<decltype(asyncio::wait(std::declval<std::vector<asyncio::Task<int>>>())),
                   awaitable<asyncio::WaitResult<asyncio::Task<int>>>>);
static_assert(std::is_same_v<decltype(asyncio::WaitResult<asyncio::Task<int>>::done),
                             std::vector<asyncio::Task<int>>>);
// as_completed() turns awaitables into tasks; awaiting an item gives the result type.
static_assert(
    std::is_same_v<decltype(asyncio::as_completed(std::declval<std::vector<awaitable<int>>>())),
                   asyncio::AsCompleted<asyncio::Task<int>>>);
static_assert(
    std::is_same_v<asyncio::AsCompleted<asyncio::Future<std::string>>::value_type, std::string>);
// shield() gives a Future of the inner result.
static_assert(std::is_same_v<decltype(asyncio::shield(std::declval<asyncio::Task<int>>())),
                             asyncio::Future<int>>);
static_assert(std::is_same_v<decltype(asyncio::shield(std::declval<awaitable<void>>())),
                             asyncio::Future<void>>);

template <typename... X>
concept can_gather = requires(X... x) {
  asyncio::gather(std::move(x)...);
};
template <typename X>
concept can_wait = requires(X x) {
  asyncio::wait(std::move(x));
};
template <typename X>
concept can_as_completed = requires(X x) {
  asyncio::as_completed(std::move(x));
};
static_assert(can_gather<awaitable<int>, asyncio::Future<int>>);  // the concepts do detect
static_assert(can_wait<std::vector<asyncio::Future<int>>>);
static_assert(can_as_completed<std::vector<asyncio::Future<int>>>);
// CoroutineGatherTests.test_issue46672: gather(c, {}) raises TypeError.
static_assert(!can_gather<awaitable<int>, int>);
// BaseTaskTests.test_as_completed_invalid_args: as_completed(fut) and as_completed(coro)
// expect a list, not a future or coroutine (TypeError).
static_assert(!can_as_completed<asyncio::Future<int>>);
static_assert(!can_as_completed<awaitable<int>>);
// BaseTaskTests.test_wait_invalid_args: wait(fut) and wait(coro) raise TypeError.
static_assert(!can_wait<asyncio::Future<int>>);
static_assert(!can_wait<awaitable<int>>);

// --- helpers -------------------------------------------------------------------------------

namespace {

using asyncio::testing::describe;
using asyncio::testing::raises;

/// CPython's `self.loop` (and `new_test_loop()`): a new loop, not running, on virtual time.
std::unique_ptr<asyncio::EventLoop> loop() {
  return asyncio::new_event_loop({.virtual_time = true});
}

/// GatherTestsBase._run_loop: `while loop._ready: test_utils.run_briefly(loop)`. The ready
/// queue is not visible from here, so run briefly three times (six iterations): more than the
/// longest chain in these tests (future -> child task -> gather -> done callback).
void run_loop(asyncio::EventLoop& loop) {
  for (int i = 0; i < 3; ++i) run_briefly(loop);
}

using asyncio::holds;

/// `f()` raises CancelledError whose message is exactly `message`.
template <typename F>
::testing::AssertionResult raises_cancelled(F&& f, const std::string& message = "") {
  try {
    f();
  } catch (const asyncio::CancelledError& e) {
    if (e.message() == message) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "CancelledError('" << e.message() << "'), expected '" << message << "'";
  } catch (...) {
    return ::testing::AssertionFailure() << "raised " << describe(std::current_exception());
  }
  return ::testing::AssertionFailure() << "did not raise CancelledError";
}

/// CPython's `test_utils.MockCallback` as a done callback: counts the calls and keeps the
/// future it was given.
template <typename F>
struct MockCallback {
  int called = 0;
  std::optional<F> arg;
  /// `cb.assert_called_once_with(fut)`.
  bool called_once_with(const F& f) const { return called == 1 && arg && *arg == f; }
};
template <typename F>
std::shared_ptr<MockCallback<F>> add_mock_callback(F& fut) {
  auto cb = std::make_shared<MockCallback<F>>();
  fut.add_done_callback([cb](F f) {
    ++cb->called;
    cb->arg = f;
  });
  return cb;
}

/// `set(got) == set(want...)` for task or future handles.
template <typename H, typename... More>
bool same_set(const std::vector<H>& got, const H& first, const More&... more) {
  const std::vector<H> want{first, more...};
  return got.size() == want.size() && std::is_permutation(got.begin(), got.end(), want.begin());
}

/// A vector of move-only awaitables (an initializer list would copy).
template <typename A, typename... More>
std::vector<A> vec(A first, More... more) {
  std::vector<A> out;
  out.push_back(std::move(first));
  (out.push_back(std::move(more)), ...);
  return out;
}

/// Python's `list(asyncio.as_completed(fs))`: one awaitable per input. The iterator itself
/// is dropped on return, as in Python.
template <typename H>
auto list(asyncio::AsCompleted<H> it) {
  std::vector<decltype(it.next())> out;
  for (auto next : it) out.push_back(next);
  return out;
}

/// `asyncio.sleep(delay, result)`.
awaitable<std::string> sleep_value(double delay, std::string result) {
  co_await asyncio::sleep(delay);
  co_return result;
}

/// `async def coro(s): return s`.
awaitable<std::string> coro_value(std::string s) {
  co_return s;
}

/// CPython's ZeroDivisionError, an ordinary exception of the test's own.
struct ZeroDivisionError : std::runtime_error {
  ZeroDivisionError() : std::runtime_error("division by zero") {}
  explicit ZeroDivisionError(const std::string& m) : std::runtime_error(m) {}
};

// --- GatherTestsBase's two subclasses ------------------------------------------------------

enum class Variant { FutureGatherTests, CoroutineGatherTests };

const char* name_of(Variant v) {
  return v == Variant::FutureGatherTests ? "FutureGatherTests" : "CoroutineGatherTests";
}

/// CoroutineGatherTests.wrap_futures: `async def coro(fut=fut): return await fut`.
template <typename T>
awaitable<T> await_future(asyncio::Future<T> fut) {
  co_return co_await fut;
}

template <bool ReturnExceptions, typename... X>
auto call_gather(X&&... xs) {
  if constexpr (ReturnExceptions) {
    return asyncio::gather(asyncio::return_exceptions, std::forward<X>(xs)...);
  } else {
    return asyncio::gather(std::forward<X>(xs)...);
  }
}

/// GatherTestsBase: `self._gather(*self.wrap_futures(*futs), return_exceptions=...)`.
template <bool ReturnExceptions, typename... T>
auto gather_wrapped(Variant v, asyncio::EventLoop& loop, asyncio::Future<T>... futs) {
  using R = decltype(call_gather<ReturnExceptions>(futs...));
  if (v == Variant::FutureGatherTests) {
    // FutureGatherTests: the futures themselves, gathered with no running loop.
    return call_gather<ReturnExceptions>(futs...);
  }
  // CoroutineGatherTests: a coroutine per future, gathered inside a coroutine on the loop
  // (`run_until_complete(coro())` where coro returns asyncio.gather(...)).
  return loop.run_until_complete([](asyncio::Future<T>... fs) -> awaitable<R> {
    co_return call_gather<ReturnExceptions>(await_future(fs)...);
  }(futs...));
}

/// Runs `check(variant)` for FutureGatherTests and CoroutineGatherTests, each to the end
/// even when the other one fails (CPython runs them as two test classes).
template <typename F>
void for_each_variant(F&& check) {
  for (Variant v : {Variant::FutureGatherTests, Variant::CoroutineGatherTests}) {
    SCOPED_TRACE(name_of(v));
    try {
      check(v);
    } catch (...) {
      ADD_FAILURE() << name_of(v) << ": raised " << describe(std::current_exception());
    }
  }
}

}  // namespace

// --- BaseTaskTests: wait -------------------------------------------------------------------

TEST(BaseTaskTests, test_wait) {
  auto loop = ::loop();
  auto a = loop->create_task(asyncio::sleep(0.1));
  auto b = loop->create_task(asyncio::sleep(0.15));

  auto foo = [&]() -> awaitable<int> {
    auto [done, pending] = co_await asyncio::wait(vec(b, a));
    EXPECT_TRUE(same_set(done, a, b));
    EXPECT_TRUE(pending.empty());
    co_return 42;
  };

  int res = loop->run_until_complete(loop->create_task(foo()));
  EXPECT_EQ(res, 42);
  EXPECT_EQ(loop->time(), 0.15);

  // Doing it again should take no time and exercise a different path.
  res = loop->run_until_complete(loop->create_task(foo()));
  EXPECT_EQ(loop->time(), 0.15);
  EXPECT_EQ(res, 42);
}

TEST(BaseTaskTests, test_wait_duplicate_coroutines) {
  auto loop = ::loop();
  auto c = loop->create_task(coro_value("test"));
  auto task = loop->create_task(asyncio::wait(vec(c, c, loop->create_task(coro_value("spam")))));

  auto [done, pending] = loop->run_until_complete(task);

  EXPECT_TRUE(pending.empty());
  std::multiset<std::string> results;
  for (auto& f : done) results.insert(f.result());
  EXPECT_EQ(results, (std::multiset<std::string>{"test", "spam"}));
}

TEST(BaseTaskTests, test_wait_errors) {
  auto loop = ::loop();
  EXPECT_TRUE(raises<asyncio::ValueError>(
      [&] { loop->run_until_complete(asyncio::wait(std::vector<asyncio::Task<void>>{})); }));

  // -1 is an invalid return_when value
  auto sleep_task = loop->create_task(asyncio::sleep(10.0));
  auto wait_coro =
      asyncio::wait(vec(sleep_task), {.return_when = static_cast<asyncio::ReturnWhen>(-1)});
  EXPECT_TRUE(raises<asyncio::ValueError>([&] { loop->run_until_complete(std::move(wait_coro)); }));

  sleep_task.cancel();  // CPython: sleep_coro.close()
  EXPECT_THROW(loop->run_until_complete(sleep_task), asyncio::CancelledError);
  EXPECT_EQ(loop->time(), 0.0);
}

TEST(BaseTaskTests, test_wait_first_completed) {
  auto loop = ::loop();
  auto a = loop->create_task(asyncio::sleep(10.0));
  auto b = loop->create_task(asyncio::sleep(0.1));
  auto task =
      loop->create_task(asyncio::wait(vec(b, a), {.return_when = asyncio::FIRST_COMPLETED}));

  auto [done, pending] = loop->run_until_complete(task);
  EXPECT_TRUE(same_set(done, b));
  EXPECT_TRUE(same_set(pending, a));
  EXPECT_FALSE(a.done());
  EXPECT_TRUE(b.done());
  EXPECT_NO_THROW(b.result());  // None
  EXPECT_EQ(loop->time(), 0.1);

  // move forward to close generator
  loop->run_until_complete(asyncio::wait(vec(a, b)));
  EXPECT_EQ(loop->time(), 10.0);
}

TEST(BaseTaskTests, test_wait_really_done) {
  // there is possibility that some tasks in the pending list
  // became done but their callbacks haven't all been called yet
  auto loop = ::loop();
  auto coro1 = []() -> awaitable<void> { co_await asyncio::sleep(0); };
  auto coro2 = []() -> awaitable<void> {
    co_await asyncio::sleep(0);
    co_await asyncio::sleep(0);
  };

  auto a = loop->create_task(coro1());
  auto b = loop->create_task(coro2());
  auto task =
      loop->create_task(asyncio::wait(vec(b, a), {.return_when = asyncio::FIRST_COMPLETED}));

  auto [done, pending] = loop->run_until_complete(task);
  EXPECT_TRUE(same_set(done, a, b));
  EXPECT_TRUE(pending.empty());
  EXPECT_TRUE(a.done());
  EXPECT_NO_THROW(a.result());
  EXPECT_TRUE(b.done());
  EXPECT_NO_THROW(b.result());
}

TEST(BaseTaskTests, test_wait_first_exception) {
  auto loop = ::loop();

  // first_exception, task already has exception
  auto a = loop->create_task(asyncio::sleep(10.0));
  auto exc = []() -> awaitable<void> {
    throw ZeroDivisionError("err");
    co_return;
  };
  auto b = loop->create_task(exc());
  auto task =
      loop->create_task(asyncio::wait(vec(b, a), {.return_when = asyncio::FIRST_EXCEPTION}));

  auto [done, pending] = loop->run_until_complete(task);
  EXPECT_TRUE(same_set(done, b));
  EXPECT_TRUE(same_set(pending, a));
  EXPECT_EQ(loop->time(), 0.0);

  // move forward to close generator
  loop->run_until_complete(asyncio::wait(vec(a, b)));
  EXPECT_EQ(loop->time(), 10.0);
  EXPECT_TRUE(holds<ZeroDivisionError>(b.exception()));
}

TEST(BaseTaskTests, test_wait_first_exception_in_wait) {
  auto loop = ::loop();

  // first_exception, exception during waiting
  auto a = loop->create_task(asyncio::sleep(10.0));
  auto exc = []() -> awaitable<void> {
    co_await asyncio::sleep(0.01);
    throw ZeroDivisionError("err");
  };
  auto b = loop->create_task(exc());
  auto task = asyncio::wait(vec(b, a), {.return_when = asyncio::FIRST_EXCEPTION});

  auto [done, pending] = loop->run_until_complete(std::move(task));
  EXPECT_TRUE(same_set(done, b));
  EXPECT_TRUE(same_set(pending, a));
  EXPECT_EQ(loop->time(), 0.01);

  // move forward to close generator
  loop->run_until_complete(asyncio::wait(vec(a, b)));
  EXPECT_EQ(loop->time(), 10.0);
  EXPECT_TRUE(holds<ZeroDivisionError>(b.exception()));
}

TEST(BaseTaskTests, test_wait_with_exception) {
  auto loop = ::loop();
  auto a = loop->create_task(asyncio::sleep(0.1));
  auto sleeper = []() -> awaitable<void> {
    co_await asyncio::sleep(0.15);
    throw ZeroDivisionError("really");
  };
  auto b = loop->create_task(sleeper());

  auto foo = [&]() -> awaitable<void> {
    auto [done, pending] = co_await asyncio::wait(vec(b, a));
    EXPECT_EQ(done.size(), 2u);
    EXPECT_TRUE(pending.empty());
    auto errors = std::count_if(done.begin(), done.end(), [](const asyncio::Task<void>& f) {
      return f.exception() != nullptr;
    });
    EXPECT_EQ(errors, 1);
  };

  loop->run_until_complete(loop->create_task(foo()));
  EXPECT_EQ(loop->time(), 0.15);

  loop->run_until_complete(loop->create_task(foo()));
  EXPECT_EQ(loop->time(), 0.15);
}

TEST(BaseTaskTests, test_wait_with_timeout) {
  auto loop = ::loop();
  auto a = loop->create_task(asyncio::sleep(0.1));
  auto b = loop->create_task(asyncio::sleep(0.15));

  auto foo = [&]() -> awaitable<void> {
    auto [done, pending] = co_await asyncio::wait(vec(b, a), {.timeout = 0.11});
    EXPECT_TRUE(same_set(done, a));
    EXPECT_TRUE(same_set(pending, b));
  };

  loop->run_until_complete(loop->create_task(foo()));
  EXPECT_EQ(loop->time(), 0.11);

  // move forward to close generator
  loop->run_until_complete(asyncio::wait(vec(a, b)));
  EXPECT_EQ(loop->time(), 0.15);
}

TEST(BaseTaskTests, test_wait_concurrent_complete) {
  auto loop = ::loop();
  auto a = loop->create_task(asyncio::sleep(0.1));
  auto b = loop->create_task(asyncio::sleep(0.15));

  // The timeout and `a` expire together: `a` is done by the time wait() looks.
  auto [done, pending] = loop->run_until_complete(asyncio::wait(vec(b, a), {.timeout = 0.1}));

  EXPECT_TRUE(same_set(done, a));
  EXPECT_TRUE(same_set(pending, b));
  EXPECT_EQ(loop->time(), 0.1);

  // move forward to close generator
  loop->run_until_complete(asyncio::wait(vec(a, b)));
  EXPECT_EQ(loop->time(), 0.15);
}

TEST(BaseTaskTests, test_wait_with_iterator_of_tasks) {
  // C++ wait() takes a std::vector: "an iterator of tasks" is a vector built from one.
  auto loop = ::loop();
  auto a = loop->create_task(asyncio::sleep(0.1));
  auto b = loop->create_task(asyncio::sleep(0.15));
  const std::list<asyncio::Task<void>> tasks{b, a};

  auto foo = [&]() -> awaitable<int> {
    auto [done, pending] =
        co_await asyncio::wait(std::vector<asyncio::Task<void>>(tasks.begin(), tasks.end()));
    EXPECT_TRUE(same_set(done, a, b));
    EXPECT_TRUE(pending.empty());
    co_return 42;
  };

  int res = loop->run_until_complete(loop->create_task(foo()));
  EXPECT_EQ(res, 42);
  EXPECT_EQ(loop->time(), 0.15);
}

TEST(BaseTaskTests, test_wait_generator) {
  auto loop = ::loop();
  auto func = [](int a) -> awaitable<int> { co_return a; };

  auto main = [&]() -> awaitable<void> {
    std::vector<asyncio::Task<int>> tasks;
    for (int i = 0; i < 10; ++i) tasks.push_back(loop->create_task(func(i)));
    auto [done, pending] =
        co_await asyncio::wait(std::move(tasks), {.return_when = asyncio::ALL_COMPLETED});
    EXPECT_EQ(done.size(), 10u);
    EXPECT_EQ(pending.size(), 0u);
  };

  loop->run_until_complete(main());
}

// --- BaseTaskTests: as_completed -----------------------------------------------------------

TEST(BaseTaskTests, test_as_completed) {
  using Aws = std::vector<awaitable<std::string>>;
  auto sleeper = [](double dt, std::string x,
                    std::set<std::string>* completed) -> awaitable<std::string> {
    co_await asyncio::sleep(dt);
    completed->insert(x);
    co_return x;
  };

  auto try_iterator = [](Aws awaitables) -> awaitable<std::vector<std::string>> {
    std::vector<std::string> values;
    for (auto f : asyncio::as_completed(std::move(awaitables))) {
      values.push_back(co_await f);
    }
    co_return values;
  };
  // In place of CPython's try_async_iterator: the explicit next() spelling.
  auto try_next = [](Aws awaitables) -> awaitable<std::vector<std::string>> {
    std::vector<std::string> values;
    auto it = asyncio::as_completed(std::move(awaitables));
    while (it.size() > 0) values.push_back(co_await it.next());
    co_return values;
  };

  for (int method = 0; method < 2; ++method) {
    SCOPED_TRACE(method == 0 ? "try_iterator" : "try_next");
    auto loop = ::loop();
    std::set<std::string> completed;

    auto a = sleeper(0.01, "a", &completed);
    auto b = sleeper(0.01, "b", &completed);
    auto c = sleeper(0.15, "c", &completed);

    auto aws = vec(std::move(b), std::move(c), std::move(a));
    auto res = loop->run_until_complete(
        loop->create_task(method == 0 ? try_iterator(std::move(aws)) : try_next(std::move(aws))));
    EXPECT_EQ(loop->time(), 0.15);
    ASSERT_EQ(res.size(), 3u);
    EXPECT_TRUE(res[0] == "a" || res[1] == "a");
    EXPECT_TRUE(res[0] == "b" || res[1] == "b");
    EXPECT_EQ(res[2], "c");
  }
}

TEST(BaseTaskTests, test_as_completed_with_timeout) {
  using Value = std::pair<int, std::string>;  // (1, value) or (2, "TimeoutError")

  auto try_iterator = [](asyncio::Task<std::string> a,
                         asyncio::Task<std::string> b) -> awaitable<std::vector<Value>> {
    std::vector<Value> values;
    for (auto f : asyncio::as_completed(vec(a, b), 0.12)) {
      try {
        std::string v = co_await f;
        values.push_back({1, v});
      } catch (const asyncio::TimeoutError&) {
        values.push_back({2, "TimeoutError"});
      }
    }
    co_return values;
  };
  // CPython's try_async_iterator: the TimeoutError ends the loop.
  auto try_loop_ended_by_timeout =
      [](asyncio::Task<std::string> a,
         asyncio::Task<std::string> b) -> awaitable<std::vector<Value>> {
    std::vector<Value> values;
    try {
      for (auto f : asyncio::as_completed(vec(a, b), 0.12)) {
        std::string v = co_await f;
        values.push_back({1, v});
      }
    } catch (const asyncio::TimeoutError&) {
      values.push_back({2, "TimeoutError"});
    }
    co_return values;
  };

  for (int method = 0; method < 2; ++method) {
    SCOPED_TRACE(method == 0 ? "try_iterator" : "try_loop_ended_by_timeout");
    auto loop = ::loop();
    auto a = loop->create_task(sleep_value(0.1, "a"));
    auto b = loop->create_task(sleep_value(0.15, "b"));

    auto res = loop->run_until_complete(
        loop->create_task(method == 0 ? try_iterator(a, b) : try_loop_ended_by_timeout(a, b)));
    ASSERT_EQ(res.size(), 2u);
    EXPECT_EQ(res[0], (Value{1, "a"}));
    EXPECT_EQ(res[1], (Value{2, "TimeoutError"}));
    EXPECT_EQ(loop->time(), 0.12);

    // move forward to close generator
    loop->run_until_complete(asyncio::wait(vec(a, b)));
    EXPECT_EQ(loop->time(), 0.15);
    EXPECT_FALSE(b.cancelled());  // the timeout does not cancel the awaitables
    EXPECT_EQ(b.result(), "b");
  }
}

TEST(BaseTaskTests, test_as_completed_with_unused_timeout) {
  auto try_iterator = []() -> awaitable<void> {
    for (auto f : asyncio::as_completed(vec(sleep_value(0.01, "a")), 1.0)) {
      std::string v = co_await f;
      EXPECT_EQ(v, "a");
    }
  };
  auto try_next = []() -> awaitable<void> {
    auto it = asyncio::as_completed(vec(sleep_value(0.01, "a")), 1.0);
    std::string v = co_await it.next();
    EXPECT_EQ(v, "a");
  };

  for (int method = 0; method < 2; ++method) {
    SCOPED_TRACE(method == 0 ? "try_iterator" : "try_next");
    auto loop = ::loop();
    loop->run_until_complete(loop->create_task(method == 0 ? try_iterator() : try_next()));
    EXPECT_EQ(loop->time(), 0.01);
    loop->close();
  }
}

TEST(BaseTaskTests, test_as_completed_resume_iterator) {
  // Test that as_completed returns an iterator that can be resumed
  // the next time iteration is performed (i.e. if __iter__ is called
  // again)
  using Aws = std::vector<awaitable<int>>;
  auto try_iterator = [](Aws awaitables) -> awaitable<std::vector<int>> {
    int iterations = 0;
    auto iterator = asyncio::as_completed(std::move(awaitables));
    std::vector<int> collected;
    for (auto f : iterator) {
      collected.push_back(co_await f);
      iterations += 1;
      if (iterations == 2) break;
    }
    EXPECT_EQ(collected.size(), 2u);

    // Resume same iterator:
    for (auto f : iterator) collected.push_back(co_await f);
    co_return collected;
  };
  auto coro = [](int i) -> awaitable<int> { co_return i; };

  auto loop = ::loop();
  auto results = loop->run_until_complete(try_iterator(vec(coro(0), coro(1), coro(2), coro(3))));
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results, (std::vector<int>{0, 1, 2, 3}));
  loop->close();
}

TEST(BaseTaskTests, test_as_completed_reverse_wait) {
  // Tests the plain iterator style of as_completed iteration to
  // ensure that the first future awaited resolves to the first
  // completed awaitable from the set we passed in, even if it wasn't
  // the first future generated by as_completed.
  auto loop = ::loop();

  auto test = [&]() -> awaitable<void> {
    auto futs = list(asyncio::as_completed(vec(sleep_value(0.05, "a"), sleep_value(0.10, "b"))));
    CO_ASSERT_EQ(futs.size(), 2u);

    std::string x = co_await futs[1];
    EXPECT_EQ(x, "a");
    EXPECT_EQ(loop->time(), 0.05);
    std::string y = co_await futs[0];
    EXPECT_EQ(y, "b");
    EXPECT_EQ(loop->time(), 0.10);
  };

  loop->run_until_complete(test());
}

TEST(BaseTaskTests, test_as_completed_concurrent) {
  // Ensure that more than one future or coroutine yielded from
  // as_completed can be awaited concurrently.
  auto try_iterator = [](std::vector<awaitable<std::string>> fs) {
    return list(asyncio::as_completed(std::move(fs)));
  };

  auto loop = ::loop();
  auto test = [&]() -> awaitable<void> {
    auto futs = try_iterator(vec(sleep_value(0.05, "a"), sleep_value(0.05, "b")));
    CO_ASSERT_EQ(futs.size(), 2u);
    std::vector<asyncio::Task<std::string>> tasks;
    for (auto& fut : futs) tasks.push_back(asyncio::create_task(fut));  // ensure_future(fut)
    auto [done, pending] = co_await asyncio::wait(std::move(tasks));
    std::set<std::string> results;
    for (auto& f : done) results.insert(f.result());
    EXPECT_EQ(results.size(), 2u);
    EXPECT_TRUE(results.count("a") && results.count("b"));
    EXPECT_TRUE(pending.empty());
  };

  loop->run_until_complete(test());
  EXPECT_EQ(loop->time(), 0.05);
}

TEST(BaseTaskTests, test_as_completed_duplicate_coroutines) {
  auto try_iterator = []() -> awaitable<std::vector<std::string>> {
    std::vector<std::string> result;
    auto c = asyncio::create_task(coro_value("ham"));
    for (auto f : asyncio::as_completed(vec(c, c, asyncio::create_task(coro_value("spam"))))) {
      result.push_back(co_await f);
    }
    co_return result;
  };
  auto try_next = []() -> awaitable<std::vector<std::string>> {
    std::vector<std::string> result;
    auto c = asyncio::create_task(coro_value("ham"));
    auto it = asyncio::as_completed(vec(c, c, asyncio::create_task(coro_value("spam"))));
    while (it.size() > 0) result.push_back(co_await it.next());
    co_return result;
  };

  for (int method = 0; method < 2; ++method) {
    SCOPED_TRACE(method == 0 ? "try_iterator" : "try_next");
    auto loop = ::loop();
    auto fut = loop->create_task(method == 0 ? try_iterator() : try_next());
    loop->run_until_complete(fut);
    auto result = fut.result();
    EXPECT_EQ(std::set<std::string>(result.begin(), result.end()),
              (std::set<std::string>{"ham", "spam"}));
    EXPECT_EQ(result.size(), 2u);
  }
}

TEST(BaseTaskTests, test_as_completed_coroutine_without_loop) {
  auto coro = []() -> awaitable<int> { co_return 42; };
  EXPECT_TRUE(raises<asyncio::RuntimeError>(
      [&] {
        auto futs = asyncio::as_completed(vec(coro()));
        list(std::move(futs));
      },
      "no (current|running) event loop"));
}

TEST(BaseTaskTests, test_as_completed_coroutine_use_running_loop) {
  auto loop = ::loop();
  auto coro = []() -> awaitable<int> { co_return 42; };

  auto test = [&]() -> awaitable<void> {
    auto futs = list(asyncio::as_completed(vec(coro())));
    CO_ASSERT_EQ(futs.size(), 1u);
    EXPECT_EQ(co_await futs[0], 42);
  };

  loop->run_until_complete(test());
}

TEST(BaseTaskTests, test_wait_invalid_args) {
  // wait() expects a list of futures, not a future instance: a compile error here (see the
  // static_asserts at the top).

  // wait() expects at least a future
  auto loop = ::loop();
  EXPECT_TRUE(raises<asyncio::ValueError>(
      [&] { loop->run_until_complete(asyncio::wait(std::vector<asyncio::Future<int>>{})); }));
}

TEST(BaseTaskTests, test_yield_wait_does_not_shield_cancel) {
  // Cancelling outer() makes wait() return early, leaves inner()
  // running.
  auto loop = ::loop();
  int proof = 0;
  auto waiter = loop->create_future<void>();

  auto inner = [&]() -> awaitable<void> {
    co_await waiter;
    proof += 1;
  };
  auto outer = [&]() -> awaitable<void> {
    auto d_p = co_await asyncio::wait(vec(asyncio::create_task(inner())));
    (void)d_p;
    proof += 100;
  };

  auto f = loop->create_task(outer());
  run_briefly(*loop);
  f.cancel();
  EXPECT_THROW(loop->run_until_complete(f), asyncio::CancelledError);
  waiter.set_result();
  run_briefly(*loop);
  EXPECT_EQ(proof, 1);
}

// --- BaseTaskTests: shield -----------------------------------------------------------------

TEST(BaseTaskTests, test_shield_result) {
  auto loop = ::loop();
  auto inner = loop->create_future<int>();
  auto outer = asyncio::shield(inner);
  inner.set_result(42);
  int res = loop->run_until_complete(outer);
  EXPECT_EQ(res, 42);
}

TEST(BaseTaskTests, test_shield_exception) {
  auto loop = ::loop();
  auto inner = loop->create_future<int>();
  auto outer = asyncio::shield(inner);
  run_briefly(*loop);
  auto exc = std::make_exception_ptr(asyncio::RuntimeError("expected"));
  inner.set_exception(exc);
  run_briefly(*loop);
  EXPECT_TRUE(outer.done());
  EXPECT_TRUE(outer.done() && outer.exception() == exc);
}

TEST(BaseTaskTests, test_shield_cancel_inner) {
  auto loop = ::loop();
  auto inner = loop->create_future<int>();
  auto outer = asyncio::shield(inner);
  run_briefly(*loop);
  inner.cancel();
  run_briefly(*loop);
  EXPECT_TRUE(outer.cancelled());
}

TEST(BaseTaskTests, test_shield_cancel_outer) {
  auto loop = ::loop();
  auto inner = loop->create_future<int>();
  auto outer = asyncio::shield(inner);
  run_briefly(*loop);
  outer.cancel();
  run_briefly(*loop);
  EXPECT_TRUE(outer.cancelled());
  // CPython checks that outer's callbacks are gone (a private list). Here: the inner future
  // is not cancelled, and completing it later leaves the outer one as it was.
  EXPECT_FALSE(inner.cancelled());
  inner.set_result(1);
  run_briefly(*loop);
  EXPECT_TRUE(outer.cancelled());
}

TEST(BaseTaskTests, test_shield_shortcut) {
  auto loop = ::loop();
  auto fut = loop->create_future<int>();
  fut.set_result(42);
  int res = loop->run_until_complete(asyncio::shield(fut));
  EXPECT_EQ(res, 42);
}

TEST(BaseTaskTests, test_shield_effect) {
  // Cancelling outer() does not affect inner().
  auto loop = ::loop();
  int proof = 0;
  auto waiter = loop->create_future<void>();

  auto inner = [&]() -> awaitable<void> {
    co_await waiter;
    proof += 1;
  };
  auto outer = [&]() -> awaitable<void> {
    co_await asyncio::shield(inner());
    proof += 100;
  };

  auto f = loop->create_task(outer());
  run_briefly(*loop);
  f.cancel();
  EXPECT_THROW(loop->run_until_complete(f), asyncio::CancelledError);
  waiter.set_result();
  run_briefly(*loop);
  EXPECT_EQ(proof, 1);
}

TEST(BaseTaskTests, test_shield_gather) {
  auto loop = ::loop();
  auto child1 = loop->create_future<int>();
  auto child2 = loop->create_future<int>();
  auto parent = asyncio::gather(child1, child2);
  auto outer = asyncio::shield(parent);
  run_briefly(*loop);
  outer.cancel();
  run_briefly(*loop);
  EXPECT_TRUE(outer.cancelled());
  child1.set_result(1);
  child2.set_result(2);
  run_briefly(*loop);
  EXPECT_EQ(parent.result(), std::tuple(1, 2));
}

TEST(BaseTaskTests, test_gather_shield) {
  auto loop = ::loop();
  auto child1 = loop->create_future<int>();
  auto child2 = loop->create_future<int>();
  auto inner1 = asyncio::shield(child1);
  auto inner2 = asyncio::shield(child2);
  auto parent = asyncio::gather(inner1, inner2);
  run_briefly(*loop);
  parent.cancel();
  // This should cancel inner1 and inner2 but bot child1 and child2.
  run_briefly(*loop);
  EXPECT_TRUE(parent.done() && holds<asyncio::CancelledError>(parent.exception()));
  EXPECT_TRUE(inner1.cancelled());
  EXPECT_TRUE(inner2.cancelled());
  EXPECT_FALSE(child1.cancelled());
  EXPECT_FALSE(child2.cancelled());
  child1.set_result(1);
  child2.set_result(2);
  run_briefly(*loop);
}

TEST(BaseTaskTests, test_shield_coroutine_without_loop) {
  auto coro = []() -> awaitable<int> { co_return 42; };
  EXPECT_TRUE(raises<asyncio::RuntimeError>([&] { asyncio::shield(coro()); },
                                            "no (current|running) event loop"));
}

TEST(BaseTaskTests, test_shield_coroutine_use_running_loop) {
  auto loop = ::loop();
  auto coro = []() -> awaitable<int> { co_return 42; };
  auto test = [&]() -> awaitable<asyncio::Future<int>> { co_return asyncio::shield(coro()); };
  auto outer = loop->run_until_complete(test());
  EXPECT_EQ(&outer.get_loop(), loop.get());
  int res = loop->run_until_complete(outer);
  EXPECT_EQ(res, 42);
}

// --- BaseTaskTests: gather -----------------------------------------------------------------

TEST(BaseTaskTests, test_cancel_gather_1) {
  // Ensure that a gathering future refuses to be cancelled once all
  // children are done
  auto loop = ::loop();
  auto fut = loop->create_future<int>();

  auto create = [&]() -> awaitable<asyncio::Future<std::tuple<int>>> {
    // The indirection fut->child_coro is needed since otherwise the
    // gathering task is done at the same time as the child future
    auto child_coro = [](asyncio::Future<int> fut) -> awaitable<int> { co_return co_await fut; };
    auto gather_future = asyncio::gather(child_coro(fut));
    co_return gather_future;  // ensure_future(gather_future) is the future itself
  };
  auto gather_task = loop->run_until_complete(create());

  std::optional<bool> cancel_result;
  fut.add_done_callback([&](asyncio::Future<int>) { cancel_result = gather_task.cancel(); });

  fut.set_result(42);  // calls the cancelling_callback after fut is done()

  // At this point the task should complete.
  loop->run_until_complete(gather_task);

  // Python issue #26923: asyncio.gather drops cancellation
  EXPECT_EQ(cancel_result, false);
  EXPECT_FALSE(gather_task.cancelled());
  EXPECT_EQ(gather_task.result(), std::tuple(42));
  loop->close();
}

TEST(BaseTaskTests, test_cancel_gather_2) {
  // cancel() and cancel(None) are both cancel(""); cancel(5) has no C++ twin.
  for (std::string message : {std::string(), std::string("my message")}) {
    SCOPED_TRACE("cancel('" + message + "')");
    auto loop = ::loop();

    auto test = []() -> awaitable<void> {
      double time = 0;
      while (true) {
        time += 0.05;
        co_await asyncio::gather(asyncio::return_exceptions, asyncio::sleep(0.05));
        if (time > 1) co_return;
      }
    };
    auto main = [&]() -> awaitable<void> {
      auto qwe = loop->create_task(test());
      co_await asyncio::sleep(0.2);
      qwe.cancel(message);
      co_await qwe;
    };

    EXPECT_TRUE(raises_cancelled([&] { loop->run_until_complete(main()); }, message))
        << "gather() does not propagate CancelledError raised by inner task to the gather() "
           "caller.";
    EXPECT_EQ(loop->time(), 0.2);
    loop->close();
  }
}

// --- GatherTestsBase -----------------------------------------------------------------------

namespace {

template <bool ReturnExceptions>
void check_success(Variant v) {
  auto one_loop = loop();
  auto a = one_loop->create_future<int>();
  auto b = one_loop->create_future<int>();
  auto c = one_loop->create_future<int>();
  auto fut = gather_wrapped<ReturnExceptions>(v, *one_loop, a, b, c);
  auto cb = add_mock_callback(fut);
  b.set_result(1);
  a.set_result(2);
  run_loop(*one_loop);
  EXPECT_EQ(cb->called, 0);
  EXPECT_FALSE(fut.done());
  c.set_result(3);
  run_loop(*one_loop);
  EXPECT_TRUE(cb->called_once_with(fut));
  if constexpr (ReturnExceptions) {
    auto [x, y, z] = fut.result();
    EXPECT_TRUE(x.has_value() && y.has_value() && z.has_value());
    EXPECT_EQ(std::tuple(x.value(), y.value(), z.value()), std::tuple(2, 1, 3));
  } else {
    EXPECT_EQ(fut.result(), std::tuple(2, 1, 3));
  }
}

}  // namespace

TEST(GatherTestsBase, test_success) {
  for_each_variant([](Variant v) {
    check_success<false>(v);  // _check_success() and _check_success(return_exceptions=False)
  });
}

TEST(GatherTestsBase, test_result_exception_success) {
  for_each_variant([](Variant v) { check_success<true>(v); });
}

TEST(GatherTestsBase, test_one_exception) {
  for_each_variant([](Variant v) {
    auto one_loop = loop();
    auto a = one_loop->create_future<int>();
    auto b = one_loop->create_future<int>();
    auto c = one_loop->create_future<int>();
    auto d = one_loop->create_future<int>();
    auto e = one_loop->create_future<int>();
    auto fut = gather_wrapped<false>(v, *one_loop, a, b, c, d, e);
    auto cb = add_mock_callback(fut);
    auto exc = std::make_exception_ptr(ZeroDivisionError());
    a.set_result(1);
    b.set_exception(exc);
    run_loop(*one_loop);
    EXPECT_TRUE(fut.done());
    EXPECT_TRUE(cb->called_once_with(fut));
    EXPECT_TRUE(fut.done() && fut.exception() == exc);
    // Does nothing
    c.set_result(3);
    d.cancel();
    e.set_exception(asyncio::RuntimeError("e"));
    e.exception();
  });
}

TEST(GatherTestsBase, test_return_exceptions) {
  for_each_variant([](Variant v) {
    auto one_loop = loop();
    auto a = one_loop->create_future<int>();
    auto b = one_loop->create_future<int>();
    auto c = one_loop->create_future<int>();
    auto d = one_loop->create_future<int>();
    auto fut = gather_wrapped<true>(v, *one_loop, a, b, c, d);
    auto cb = add_mock_callback(fut);
    auto exc = std::make_exception_ptr(ZeroDivisionError());
    auto exc2 = std::make_exception_ptr(asyncio::RuntimeError("exc2"));
    b.set_result(1);
    c.set_exception(exc);
    a.set_result(3);
    run_loop(*one_loop);
    EXPECT_FALSE(fut.done());
    d.set_exception(exc2);
    run_loop(*one_loop);
    EXPECT_TRUE(fut.done());
    EXPECT_TRUE(cb->called_once_with(fut));
    // [3, 1, exc, exc2]
    auto [r0, r1, r2, r3] = fut.result();
    EXPECT_TRUE(r0.has_value() && r0.value() == 3);
    EXPECT_TRUE(r1.has_value() && r1.value() == 1);
    EXPECT_TRUE(!r2.has_value() && r2.exception() == exc);
    EXPECT_TRUE(!r3.has_value() && r3.exception() == exc2);
  });
}

// --- FutureGatherTests ---------------------------------------------------------------------

TEST(FutureGatherTests, test_constructor_empty_sequence_without_loop) {
  EXPECT_TRUE(
      raises<asyncio::RuntimeError>([] { asyncio::gather(); }, "no (current|running) event loop"));
}

TEST(FutureGatherTests, test_constructor_empty_sequence_use_running_loop) {
  auto one_loop = loop();
  auto gather = []() -> awaitable<asyncio::Future<std::tuple<>>> { co_return asyncio::gather(); };
  auto fut = one_loop->run_until_complete(gather());
  EXPECT_EQ(&fut.get_loop(), one_loop.get());
  run_loop(*one_loop);
  EXPECT_TRUE(fut.done());
  EXPECT_EQ(fut.result(), std::tuple<>());
}

TEST(FutureGatherTests, test_constructor_heterogenous_futures) {
  auto one_loop = loop();
  auto other_loop = loop();
  auto fut1 = one_loop->create_future<int>();
  auto fut2 = other_loop->create_future<int>();
  EXPECT_TRUE(raises<asyncio::ValueError>([&] { asyncio::gather(fut1, fut2); }));
}

TEST(FutureGatherTests, test_constructor_homogenous_futures) {
  auto other_loop = loop();
  std::vector<asyncio::Future<int>> children;
  for (int i = 0; i < 3; ++i) children.push_back(other_loop->create_future<int>());
  auto fut = asyncio::gather(children);
  EXPECT_EQ(&fut.get_loop(), other_loop.get());
  run_loop(*other_loop);
  EXPECT_FALSE(fut.done());
  fut = asyncio::gather(children);
  EXPECT_EQ(&fut.get_loop(), other_loop.get());
  run_loop(*other_loop);
  EXPECT_FALSE(fut.done());
}

TEST(FutureGatherTests, test_one_cancellation) {
  auto one_loop = loop();
  auto a = one_loop->create_future<int>();
  auto b = one_loop->create_future<int>();
  auto c = one_loop->create_future<int>();
  auto d = one_loop->create_future<int>();
  auto e = one_loop->create_future<int>();
  auto fut = asyncio::gather(a, b, c, d, e);
  auto cb = add_mock_callback(fut);
  a.set_result(1);
  b.cancel();
  run_loop(*one_loop);
  EXPECT_TRUE(fut.done());
  EXPECT_TRUE(cb->called_once_with(fut));
  EXPECT_FALSE(fut.cancelled());
  EXPECT_TRUE(fut.done() && holds<asyncio::CancelledError>(fut.exception()));
  // Does nothing
  c.set_result(3);
  d.cancel();
  e.set_exception(asyncio::RuntimeError("e"));
  e.exception();
}

TEST(FutureGatherTests, test_result_exception_one_cancellation) {
  auto one_loop = loop();
  auto a = one_loop->create_future<int>();
  auto b = one_loop->create_future<int>();
  auto c = one_loop->create_future<int>();
  auto d = one_loop->create_future<int>();
  auto e = one_loop->create_future<int>();
  auto f = one_loop->create_future<int>();
  auto fut = asyncio::gather(asyncio::return_exceptions, a, b, c, d, e, f);
  auto cb = add_mock_callback(fut);
  a.set_result(1);
  auto zde = std::make_exception_ptr(ZeroDivisionError());
  b.set_exception(zde);
  c.cancel();
  run_loop(*one_loop);
  EXPECT_FALSE(fut.done());
  d.set_result(3);
  e.cancel();
  auto rte = std::make_exception_ptr(asyncio::RuntimeError("rte"));
  f.set_exception(rte);
  auto res = one_loop->run_until_complete(fut);
  EXPECT_TRUE(holds<asyncio::CancelledError>(std::get<2>(res).exception()));
  EXPECT_TRUE(holds<asyncio::CancelledError>(std::get<4>(res).exception()));
  // [1, zde, None, 3, None, rte]
  EXPECT_TRUE(std::get<0>(res).has_value() && std::get<0>(res).value() == 1);
  EXPECT_EQ(std::get<1>(res).exception(), zde);
  EXPECT_TRUE(std::get<3>(res).has_value() && std::get<3>(res).value() == 3);
  EXPECT_EQ(std::get<5>(res).exception(), rte);
  EXPECT_TRUE(cb->called_once_with(fut));
}

// --- CoroutineGatherTests ------------------------------------------------------------------

TEST(CoroutineGatherTests, test_constructor_without_loop) {
  auto coro = []() -> awaitable<std::string> { co_return "abc"; };
  EXPECT_TRUE(raises<asyncio::RuntimeError>([&] { asyncio::gather(coro(), coro()); },
                                            "no (current|running) event loop"));
}

TEST(CoroutineGatherTests, test_constructor_use_running_loop) {
  auto one_loop = loop();
  auto coro = []() -> awaitable<std::string> { co_return "abc"; };
  auto gather = [&]() -> awaitable<asyncio::Future<std::tuple<std::string, std::string>>> {
    co_return asyncio::gather(coro(), coro());
  };
  auto fut = one_loop->run_until_complete(gather());
  EXPECT_EQ(&fut.get_loop(), one_loop.get());
  EXPECT_EQ(one_loop->run_until_complete(fut), std::tuple("abc", "abc"));
}

TEST(CoroutineGatherTests, test_duplicate_coroutines) {
  auto one_loop = loop();
  auto c = one_loop->create_task(coro_value("abc"));
  auto fut = one_loop->run_until_complete(
      [](asyncio::Task<std::string> c)
          -> awaitable<
              asyncio::Future<std::tuple<std::string, std::string, std::string, std::string>>> {
        co_return asyncio::gather(c, c, coro_value("def"), c);
      }(c));
  run_loop(*one_loop);
  ASSERT_TRUE(fut.done());
  EXPECT_EQ(fut.result(), std::tuple("abc", "abc", "def", "abc"));
}

TEST(CoroutineGatherTests, test_cancellation_broadcast) {
  // Cancelling outer() cancels all children.
  auto one_loop = loop();
  int proof = 0;
  auto waiter = one_loop->create_future<void>();

  auto inner = [&]() -> awaitable<void> {
    co_await waiter;
    proof += 1;
  };

  auto child1 = one_loop->create_task(inner());
  auto child2 = one_loop->create_task(inner());
  std::optional<asyncio::Future<std::tuple<std::monostate, std::monostate>>> gatherer;

  auto outer = [&]() -> awaitable<void> {
    gatherer = asyncio::gather(child1, child2);
    co_await *gatherer;
    proof += 100;
  };

  auto f = one_loop->create_task(outer());
  run_briefly(*one_loop);
  EXPECT_TRUE(f.cancel());
  EXPECT_THROW(one_loop->run_until_complete(f), asyncio::CancelledError);
  ASSERT_TRUE(gatherer.has_value());
  EXPECT_FALSE(gatherer->cancel());
  EXPECT_TRUE(waiter.cancelled());
  EXPECT_TRUE(child1.cancelled());
  EXPECT_TRUE(child2.cancelled());
  run_briefly(*one_loop);
  EXPECT_EQ(proof, 0);
}

TEST(CoroutineGatherTests, test_exception_marking) {
  // Test for the first line marked "Mark exception retrieved."
  std::vector<std::string> reports;
  auto one_loop = loop();
  one_loop->set_exception_handler([&](asyncio::EventLoop&, const asyncio::ExceptionContext& c) {
    reports.push_back(c.message);
  });

  auto inner = [](asyncio::Future<void> f) -> awaitable<void> {
    co_await f;
    throw asyncio::RuntimeError("should not be ignored");
  };

  auto a = one_loop->create_future<void>();
  auto b = one_loop->create_future<void>();

  auto outer = [&]() -> awaitable<void> { co_await asyncio::gather(inner(a), inner(b)); };

  auto f = one_loop->create_task(outer());
  run_briefly(*one_loop);
  a.set_result();
  run_briefly(*one_loop);
  b.set_result();
  run_briefly(*one_loop);
  EXPECT_TRUE(f.done() && holds<asyncio::RuntimeError>(f.exception()));

  // CPython's point, checked: inner(b)'s exception, which came after the gather was done,
  // was marked retrieved, so dropping everything reports nothing.
  f = {};
  run_briefly(*one_loop);
  EXPECT_TRUE(reports.empty()) << reports.front();
}

// --- C++: the gather/wait contract spelled out ---------------------------------------------

ASYNCIO_TEST(CppGatherTests, GatherOfNothingIsEmpty) {
  // Python: `await asyncio.gather()` is [] at once.
  auto empty = asyncio::gather();
  EXPECT_TRUE(empty.done());
  EXPECT_EQ(co_await empty, std::tuple<>());

  auto none = asyncio::gather(std::vector<awaitable<int>>{});
  EXPECT_TRUE(none.done());
  EXPECT_TRUE((co_await none).empty());

  auto none_re = asyncio::gather(asyncio::return_exceptions, std::vector<asyncio::Task<int>>{});
  EXPECT_TRUE((co_await none_re).empty());
  EXPECT_EQ(co_await asyncio::gather(asyncio::return_exceptions), std::tuple<>());
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(CppGatherTests, ResultsInArgumentOrder) {
  auto value_after = [](double d, int v) -> awaitable<int> {
    co_await asyncio::sleep(d);
    co_return v;
  };
  asyncio::Future<double> f;
  asyncio::get_running_loop().call_later(0.2, [f]() mutable { f.set_result(2.5); });
  auto t = asyncio::create_task(sleep_value(0.3, "t"));

  auto [i, s, d, v] = co_await asyncio::gather(value_after(0.1, 1), t, f, asyncio::sleep(0.05));
  EXPECT_EQ(i, 1);
  EXPECT_EQ(s, "t");
  EXPECT_EQ(d, 2.5);
  static_assert(std::is_same_v<decltype(v), std::monostate>);
  EXPECT_EQ(now(), 0.3);

  // The vector form: argument order, not the order they finish in.
  auto r =
      co_await asyncio::gather(vec(value_after(0.3, 1), value_after(0.1, 2), value_after(0.2, 3)));
  EXPECT_EQ(r, vec(1, 2, 3));
  EXPECT_EQ(now(), 0.6);
}

ASYNCIO_TEST(CppGatherTests, CancellingGatherCancelsEveryChild) {
  // Python: `_GatheringFuture.cancel()` cancels every child; the gather then ends with
  // CancelledError once they are done (it is "finished" with that exception, not cancelled).
  for (int pass = 0; pass < 2; ++pass) {
    const bool return_exceptions = pass == 1;
    SCOPED_TRACE(return_exceptions ? "return_exceptions" : "plain");
    std::vector<asyncio::Task<void>> children;
    for (int i = 0; i < 3; ++i) children.push_back(asyncio::create_task(asyncio::sleep(5)));
    const double start = now();

    auto check = [&](auto g) -> awaitable<void> {
      co_await asyncio::sleep(0);
      EXPECT_TRUE(g.cancel("m"));
      for (auto& c : children) EXPECT_FALSE(c.done());  // cancelling, not yet cancelled
      co_await yield_briefly(2);
      for (auto& c : children) EXPECT_TRUE(c.cancelled());
      EXPECT_TRUE(g.done());
      EXPECT_FALSE(g.cancelled());
      EXPECT_FALSE(g.cancel());
      try {
        co_await g;
        ADD_FAILURE() << "the gather did not raise";
      } catch (const asyncio::CancelledError& e) {
        // Python: CancelledError('m'), and CancelledError() with return_exceptions.
        if (!return_exceptions) {
          EXPECT_EQ(e.message(), "m");
        }
      }
      EXPECT_EQ(now(), start);
    };
    if (return_exceptions) {
      co_await check(asyncio::gather(asyncio::return_exceptions, children));
    } else {
      co_await check(asyncio::gather(children));
    }
  }

  // Cancelling the task that awaits the gather cancels every child too.
  auto a = asyncio::create_task(asyncio::sleep(1));
  auto b = asyncio::create_task(asyncio::sleep(2));
  auto c = asyncio::create_task(asyncio::sleep(3));
  auto outer = asyncio::create_task([](auto a, auto b, auto c) -> awaitable<void> {
    co_await asyncio::gather(a, b, c);
  }(a, b, c));
  const double start = now();
  co_await asyncio::sleep(0.5);
  outer.cancel("outer");
  try {
    co_await outer;
    ADD_FAILURE() << "outer did not raise";
  } catch (const asyncio::CancelledError& e) {
    EXPECT_EQ(e.message(), "outer");
  }
  EXPECT_TRUE(a.cancelled());
  EXPECT_TRUE(b.cancelled());
  EXPECT_TRUE(c.cancelled());
  EXPECT_EQ(now(), start + 0.5);
}

ASYNCIO_TEST(CppGatherTests, ChildCancelledOnItsOwn) {
  auto value_after = [](double d, int v) -> awaitable<int> {
    co_await asyncio::sleep(d);
    co_return v;
  };
  auto& loop = asyncio::get_running_loop();

  // The gather raises CancelledError (the child's message) and the others keep running.
  auto a = asyncio::create_task(value_after(1, 1));
  auto b = asyncio::create_task(value_after(2, 2));
  auto g = asyncio::gather(a, b);
  loop.call_later(0.5, [a]() mutable { a.cancel("own"); });
  try {
    co_await g;
    ADD_FAILURE() << "the gather did not raise";
  } catch (const asyncio::CancelledError& e) {
    EXPECT_EQ(e.message(), "own");
  }
  EXPECT_EQ(now(), 0.5);
  EXPECT_TRUE(a.cancelled());
  EXPECT_FALSE(b.done());
  EXPECT_FALSE(g.cancelled());  // finished with CancelledError, as Python's
  EXPECT_EQ(co_await b, 2);
  EXPECT_EQ(now(), 2.0);

  // With return_exceptions: an Outcome holding CancelledError; the rest as usual.
  a = asyncio::create_task(value_after(1, 1));
  b = asyncio::create_task(value_after(2, 2));
  loop.call_later(0.5, [a]() mutable { a.cancel("own2"); });
  auto [ra, rb] = co_await asyncio::gather(asyncio::return_exceptions, a, b);
  EXPECT_FALSE(ra.has_value());
  EXPECT_TRUE(holds<asyncio::CancelledError>(ra.exception()));
  EXPECT_THROW(ra.value(), asyncio::CancelledError);
  EXPECT_TRUE(rb.has_value() && rb.value() == 2);
  EXPECT_EQ(now(), 4.0);

  // The vector form with return_exceptions.
  auto v = vec(asyncio::create_task(value_after(1, 1)), asyncio::create_task(value_after(2, 2)));
  v[1].cancel();
  auto r = co_await asyncio::gather(asyncio::return_exceptions, v);
  CO_ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].has_value() && r[0].value() == 1);
  EXPECT_TRUE(holds<asyncio::CancelledError>(r[1].exception()));
  EXPECT_EQ(now(), 5.0);
}

ASYNCIO_TEST(CppGatherTests, FirstExceptionPropagatesOthersKeepRunning) {
  auto fail = [](double d) -> awaitable<int> {
    co_await asyncio::sleep(d);
    throw ZeroDivisionError("boom");
  };
  auto ok = [](double d, int v) -> awaitable<int> {
    co_await asyncio::sleep(d);
    co_return v;
  };

  auto a = asyncio::create_task(fail(0.1));
  auto b = asyncio::create_task(ok(0.2, 7));
  auto c = asyncio::create_task(fail(0.3));
  auto g = asyncio::gather(a, b, c);
  EXPECT_THROW(co_await g, ZeroDivisionError);
  EXPECT_EQ(now(), 0.1);
  EXPECT_TRUE(g.done());
  EXPECT_FALSE(g.cancelled());
  EXPECT_FALSE(b.done());
  EXPECT_FALSE(c.done());
  EXPECT_EQ(co_await b, 7);
  EXPECT_FALSE(b.cancelled());
  EXPECT_EQ(now(), 0.2);
  EXPECT_THROW(co_await c, ZeroDivisionError);  // the second exception stays with its child
  EXPECT_EQ(now(), 0.3);

  // The vector form, with awaitables wrapped in tasks by gather itself.
  std::vector<awaitable<int>> v = vec(ok(0.2, 1), fail(0.1), ok(0.3, 3));
  const double start = now();
  EXPECT_THROW(co_await asyncio::gather(std::move(v)), ZeroDivisionError);
  EXPECT_EQ(now(), start + 0.1);
  // The survivors still finish: two more tasks are alive, and end by start + 0.3.
  EXPECT_EQ(asyncio::all_tasks().size(), 3u);  // this test's task and the two survivors
  co_await asyncio::sleep(0.2);
  EXPECT_EQ(asyncio::all_tasks().size(), 1u);
  EXPECT_EQ(now(), start + 0.3);
}

ASYNCIO_TEST(CppWaitTests, WaitEmptyRaisesValueError) {
  try {
    co_await asyncio::wait(std::vector<asyncio::Task<void>>{});
    ADD_FAILURE() << "wait() of nothing did not raise";
  } catch (const asyncio::ValueError& e) {
    EXPECT_STREQ(e.what(), "Set of Tasks/Futures is empty.");
  }
  EXPECT_THROW(co_await asyncio::wait(std::vector<asyncio::Future<int>>{},
                                      {.timeout = 1.0, .return_when = asyncio::FIRST_COMPLETED}),
               asyncio::ValueError);
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(CppWaitTests, NegativeTimeoutExpiresAtOnce) {
  // Python: wait([t], timeout=-1) returns at once, ({}, {t}), and leaves t running.
  auto t = asyncio::create_task(asyncio::sleep(1));
  auto [done, pending] = co_await asyncio::wait(vec(t), {.timeout = -1s});
  EXPECT_TRUE(done.empty());
  EXPECT_TRUE(same_set(pending, t));
  EXPECT_EQ(now(), 0.0);
  EXPECT_FALSE(t.done());

  // A task already done is in `done`.
  auto d = asyncio::create_task(asyncio::sleep(0));
  co_await yield_briefly(2);
  CO_ASSERT_TRUE(d.done());
  auto r1 = co_await asyncio::wait(vec(d, t), {.timeout = -1.0});
  EXPECT_TRUE(same_set(r1.done, d));
  EXPECT_TRUE(same_set(r1.pending, t));

  // A zero timeout too.
  auto r0 = co_await asyncio::wait(vec(t), {.timeout = 0s});
  EXPECT_TRUE(r0.done.empty());
  EXPECT_EQ(r0.pending.size(), 1u);
  EXPECT_EQ(now(), 0.0);

  // as_completed with a negative timeout: TimeoutError at once.
  try {
    for (auto f : asyncio::as_completed(vec(t), -1.0)) co_await f;
    ADD_FAILURE() << "as_completed did not time out";
  } catch (const asyncio::TimeoutError&) {
  }
  EXPECT_EQ(now(), 0.0);
  EXPECT_FALSE(t.done());
  co_await t;
  EXPECT_EQ(now(), 1.0);
}
