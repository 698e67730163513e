// Port of CPython 3.13 Lib/test/test_asyncio/test_futures.py.
//
// Each test is named after the CPython method it mirrors; the suite is the CPython class that
// defines it (BaseFutureTests, BaseFutureDoneCallbackTests). CPython's C, C-subclass and pure
// Python variants of those classes (CFutureTests, CSubFutureTests, PyFutureTests, ...) all map
// to the one C++ Future<T>. CPython's `self.loop` (a TestLoop that is not running) is an
// `EventLoop loop({.virtual_time = true})`; `mock.patch('asyncio.base_events.logger')` is the
// loop's log handler, which the default exception handler writes to.
//
// Not ported (Python-only):
//   DuckTests.test_wrap_future, test_ensure_future: duck-typed futures; no wrap_future or
//     ensure_future in the C++ API.
//   test_generic_alias: `Future[str]` typing alias; the template parameter is checked by the
//     static_asserts below instead.
//   test_isfuture: asyncio.isfuture() duck-typing check; C++ types are checked at compile time.
//   test_constructor_use_global_loop: no set_event_loop()/current-loop policy; a Future binds to
//     the running loop or to an explicit one.
//   test_uninitialized: Future.__new__ without __init__ cannot happen in C++.
//   test_future_cancel_message_setter: writes the private `_cancel_message` attribute.
//   test_stop_iteration_exception, test_stop_iteration_subclass_exception: StopIteration and
//     the generator protocol.
//   test_copy_state: private helper futures._copy_future_state and traceback formatting.
//   test_iter, test_future_stop_iteration_args, test_future_iter_throw: Future.__iter__ /
//     `yield from` generator protocol.
//   test_log_traceback: private `_log_traceback` attribute.
//   test_wrap_future, test_wrap_future_future, test_wrap_future_without_loop,
//     test_wrap_future_use_running_loop, test_wrap_future_use_global_loop,
//     test_wrap_future_cancel, test_wrap_future_cancel2: concurrent.futures.Future and
//     asyncio.wrap_future have no C++ API.
//   test_future_source_traceback: debug-mode `_source_traceback` (Python stack frames).
//   test_set_result_unless_cancelled: private helper futures._set_result_unless_cancelled.
//   test_future_del_collect: garbage-collector re-entrancy in __del__.
//   CFutureTests.test_future_del_segfault, test_future_iter_get_referents_segfault: internals
//     of the C implementation.
//   BaseFutureDoneCallbackTests.test_remove_done_callbacks_list_mutation,
//     test_remove_done_callbacks_list_clear, test_schedule_callbacks_list_mutation_2: rely on a
//     callable's __eq__ running inside remove_done_callback's search; C++ removes by id and
//     runs no user code there.
//   BaseFutureInheritanceTests.test_inherit_without_calling_super_init: subclassing without
//     calling __init__.
//   test_future_repr, in part: the debug-mode "created at file:line" suffix and the
//     `cb=[func() at file:line]` list need Python function objects; the states are ported.
#include <asyncio/future.hpp>

#include "asyncio_test.hpp"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using asyncio::awaitable;
using asyncio::CancelledError;
using asyncio::EventLoop;
using asyncio::Future;
using asyncio::Task;
using asyncio::testing::now;
using asyncio::testing::run_briefly;

// The type contracts of Future<T>.
static_assert(std::is_same_v<Future<>, Future<void>>);
static_assert(std::is_same_v<Future<int>::value_type, int>);
static_assert(std::is_nothrow_copy_constructible_v<Future<int>>, "a cheap copyable handle");
static_assert(std::is_same_v<decltype(std::declval<const Future<int>&>().result()), int>);
static_assert(std::is_same_v<decltype(std::declval<const Future<void>&>().result()), void>);
static_assert(
    std::is_same_v<decltype(std::declval<const Future<int>&>().exception()), std::exception_ptr>);
static_assert(std::is_same_v<decltype(std::declval<const Future<int>&>().get_loop()), EventLoop&>);
template <typename F, typename... Args>
concept can_set_result = requires(F f, Args... args) {
  f.set_result(args...);
};
static_assert(can_set_result<Future<void>>, "Future<void>::set_result() takes nothing");
static_assert(!can_set_result<Future<void>, int>);
static_assert(can_set_result<Future<int>, int>);
static_assert(!can_set_result<Future<int>>);
static_assert(!can_set_result<Future<int>, int, int>);
static_assert(requires(Future<int> f) {
  {
    f.add_done_callback([](Future<int>) {})
    } -> std::same_as<std::uint64_t>;
  { f.remove_done_callback(std::uint64_t{1}) } -> std::same_as<std::size_t>;
  { f.cancel("msg") } -> std::same_as<bool>;
});
static_assert(!std::is_base_of_v<std::exception, asyncio::CancelledError>,
              "CancelledError is a BaseException, not an Exception");
static_assert(std::is_base_of_v<std::exception, asyncio::InvalidStateError>);

namespace {

std::string repr(const Future<int>& f) {
  std::ostringstream os;
  os << f;
  return os.str();
}

/// Stands in for CPython's `mock.patch('asyncio.base_events.logger')`: collects what the
/// loop's default exception handler logs. `logged` must outlive `loop`.
void capture_log(EventLoop& loop, std::vector<std::string>& logged) {
  loop.set_log_handler([&logged](const std::string& message) { logged.push_back(message); });
}

/// `what()` of the CancelledError `f.result()` throws (a marker when it throws none).
std::string cancelled_message(const Future<int>& f) {
  try {
    f.result();
  } catch (const asyncio::CancelledError& e) {
    return e.what();
  }
  return "<no CancelledError>";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

// --- BaseFutureTests -----------------------------------------------------------------------

TEST(BaseFutureTests, test_initial_state) {
  EventLoop loop({.virtual_time = true});
  Future<int> f(loop);
  EXPECT_FALSE(f.cancelled());
  EXPECT_FALSE(f.done());
  f.cancel();
  EXPECT_TRUE(f.cancelled());
}

TEST(BaseFutureTests, test_constructor_without_loop) {
  // As CPython's new_test_loop(): a loop exists but does not run, so it is not "current".
  EventLoop loop({.virtual_time = true});
  try {
    Future<int> f;
    ADD_FAILURE() << "expected RuntimeError, got " << f;
  } catch (const asyncio::RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("event loop"), std::string::npos) << e.what();
  }
}

TEST(BaseFutureTests, test_constructor_use_running_loop) {
  EventLoop loop({.virtual_time = true});
  Future<int> f = loop.run_until_complete(
      []() -> asyncio::awaitable<Future<int>> { co_return Future<int>(); }());
  EXPECT_EQ(&f.get_loop(), &loop);
}

TEST(BaseFutureTests, test_constructor_positional) {
  // Python: Future(42) is a TypeError. C++: it does not compile, and a loop must be named
  // explicitly (no implicit conversion from EventLoop&).
  static_assert(!std::is_constructible_v<Future<int>, int>);
  static_assert(std::is_constructible_v<Future<int>, EventLoop&>);
  static_assert(!std::is_convertible_v<EventLoop&, Future<int>>);
  EventLoop loop({.virtual_time = true});
  Future<int> f(loop);
  EXPECT_EQ(&f.get_loop(), &loop);
}

TEST(BaseFutureTests, test_future_cancel_message_getter) {
  EventLoop loop({.virtual_time = true});
  Future<int> f(loop);
  EXPECT_TRUE(f.cancel("my message"));
  try {
    loop.run_until_complete(f);
    ADD_FAILURE() << "expected CancelledError";
  } catch (const asyncio::CancelledError& e) {
    EXPECT_STREQ(e.what(), "my message");
  }
  // Python: f._cancel_message == 'my message' afterwards.
  EXPECT_EQ(cancelled_message(f), "my message");
}

TEST(BaseFutureTests, test_cancel) {
  EventLoop loop({.virtual_time = true});
  Future<int> f(loop);
  EXPECT_TRUE(f.cancel());
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_THROW(f.result(), asyncio::CancelledError);
  EXPECT_THROW(f.exception(), asyncio::CancelledError);
  EXPECT_THROW(f.set_result(0), asyncio::InvalidStateError);
  EXPECT_THROW(f.set_exception(std::exception_ptr()), asyncio::InvalidStateError);
  EXPECT_FALSE(f.cancel());
}

TEST(BaseFutureTests, test_result) {
  EventLoop loop({.virtual_time = true});
  Future<int> f(loop);
  EXPECT_THROW(f.result(), asyncio::InvalidStateError);

  f.set_result(42);
  EXPECT_FALSE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.result(), 42);
  EXPECT_EQ(f.exception(), nullptr);
  EXPECT_THROW(f.set_result(0), asyncio::InvalidStateError);
  EXPECT_THROW(f.set_exception(std::exception_ptr()), asyncio::InvalidStateError);
  EXPECT_FALSE(f.cancel());
  EXPECT_EQ(f.result(), 42);  // the failed calls changed nothing
}

TEST(BaseFutureTests, test_exception) {
  EventLoop loop({.virtual_time = true});
  const std::exception_ptr exc = std::make_exception_ptr(asyncio::RuntimeError(""));
  Future<int> f(loop);
  EXPECT_THROW(f.exception(), asyncio::InvalidStateError);

  f.set_exception(exc);
  EXPECT_FALSE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_THROW(f.result(), asyncio::RuntimeError);
  EXPECT_EQ(f.exception(), exc);
  EXPECT_THROW(f.set_result(0), asyncio::InvalidStateError);
  EXPECT_THROW(f.set_exception(std::exception_ptr()), asyncio::InvalidStateError);
  EXPECT_FALSE(f.cancel());
  EXPECT_EQ(f.exception(), exc);
}

TEST(BaseFutureTests, test_exception_class) {
  // Python passes the class RuntimeError and the future instantiates it; the C++ twin is the
  // overload that takes an exception object rather than an exception_ptr.
  EventLoop loop({.virtual_time = true});
  Future<int> f(loop);
  f.set_exception(asyncio::RuntimeError("boom"));
  const std::exception_ptr e = f.exception();
  ASSERT_NE(e, nullptr);
  try {
    std::rethrow_exception(e);
  } catch (const asyncio::RuntimeError& r) {
    EXPECT_STREQ(r.what(), "boom");
  } catch (...) {
    ADD_FAILURE() << "not a RuntimeError: " << asyncio::format_exception(e);
  }
}

TEST(BaseFutureTests, test_yield_from_twice) {
  EventLoop loop({.virtual_time = true});
  Future<int> f(loop);
  std::vector<std::string> log;

  auto fixture = [](Future<int> f, std::vector<std::string>& log) -> asyncio::awaitable<void> {
    log.push_back("A");
    const int x = co_await f;
    log.push_back("B " + std::to_string(x));
    // The second await of f does not suspend: this callback runs only after the task does.
    asyncio::get_running_loop().call_soon([&log] { log.push_back("soon"); });
    const int y = co_await f;
    log.push_back("C " + std::to_string(y));
  };
  asyncio::Task<void> t = loop.create_task(fixture(f, log));

  run_briefly(loop);
  EXPECT_EQ(log, std::vector<std::string>{"A"});  // the first await suspends on f
  EXPECT_FALSE(t.done());

  f.set_result(42);
  loop.run_until_complete(t);
  EXPECT_EQ(log, (std::vector<std::string>{"A", "B 42", "C 42", "soon"}));
  EXPECT_EQ(f.result(), 42);
}

TEST(BaseFutureTests, test_future_repr) {
  EventLoop loop({.virtual_time = true});

  Future<int> f_pending(loop);
  EXPECT_EQ(repr(f_pending), "<Future pending>");
  f_pending.cancel();

  Future<int> f_cancelled(loop);
  f_cancelled.cancel();
  EXPECT_EQ(repr(f_cancelled), "<Future cancelled>");

  Future<int> f_result(loop);
  f_result.set_result(4);
  EXPECT_EQ(repr(f_result), "<Future finished result=4>");
  EXPECT_EQ(f_result.result(), 4);

  // Python: RuntimeError() has no message and prints as `RuntimeError()`.
  const std::exception_ptr exc = std::make_exception_ptr(asyncio::RuntimeError(""));
  Future<int> f_exception(loop);
  f_exception.set_exception(exc);
  EXPECT_EQ(repr(f_exception), "<Future finished exception=RuntimeError()>");
  EXPECT_EQ(f_exception.exception(), exc);

  // Python prints `cb=[_fakefunc() at file:line]` here: function reprs are Python-only, so
  // only the state is checked.
  Future<int> f_one_callbacks(loop);
  f_one_callbacks.add_done_callback([](Future<int>) {});
  EXPECT_TRUE(starts_with(repr(f_one_callbacks), "<Future pending")) << repr(f_one_callbacks);
  f_one_callbacks.cancel();
  EXPECT_EQ(repr(f_one_callbacks), "<Future cancelled>");

  Future<int> f_many_callbacks(loop);
  for (int i = 0; i < 10; ++i) f_many_callbacks.add_done_callback([](Future<int>) {});
  EXPECT_TRUE(starts_with(repr(f_many_callbacks), "<Future pending")) << repr(f_many_callbacks);
  f_many_callbacks.cancel();
  EXPECT_EQ(repr(f_many_callbacks), "<Future cancelled>");
  run_briefly(loop);  // the cancelled futures' callbacks run; nothing changes
  EXPECT_EQ(repr(f_many_callbacks), "<Future cancelled>");
}

TEST(BaseFutureTests, test_tb_logger_abandoned) {
  std::vector<std::string> logged;
  EventLoop loop({.virtual_time = true});
  capture_log(loop, logged);
  { Future<int> fut(loop); }
  run_briefly(loop);
  EXPECT_TRUE(logged.empty()) << logged.front();
}

TEST(BaseFutureTests, test_tb_logger_not_called_after_cancel) {
  std::vector<std::string> logged;
  EventLoop loop({.virtual_time = true});
  capture_log(loop, logged);
  {
    Future<int> fut(loop);
    fut.set_exception(std::make_exception_ptr(std::exception()));
    EXPECT_FALSE(fut.cancel());  // too late to cancel, but it silences the report
  }
  run_briefly(loop);
  EXPECT_TRUE(logged.empty()) << logged.front();
}

TEST(BaseFutureTests, test_tb_logger_result_unretrieved) {
  std::vector<std::string> logged;
  EventLoop loop({.virtual_time = true});
  capture_log(loop, logged);
  {
    Future<int> fut(loop);
    fut.set_result(42);
  }
  run_briefly(loop);
  EXPECT_TRUE(logged.empty()) << logged.front();
}

TEST(BaseFutureTests, test_tb_logger_result_retrieved) {
  std::vector<std::string> logged;
  EventLoop loop({.virtual_time = true});
  capture_log(loop, logged);
  {
    Future<int> fut(loop);
    fut.set_result(42);
    EXPECT_EQ(fut.result(), 42);
  }
  run_briefly(loop);
  EXPECT_TRUE(logged.empty()) << logged.front();
}

TEST(BaseFutureTests, test_tb_logger_exception_unretrieved) {
  std::vector<std::string> logged;
  EventLoop loop({.virtual_time = true});
  capture_log(loop, logged);
  {
    Future<int> fut(loop);
    fut.set_exception(asyncio::RuntimeError("boom"));
  }
  run_briefly(loop);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_TRUE(starts_with(logged[0], "Future exception was never retrieved\n")) << logged[0];
  EXPECT_NE(logged[0].find("RuntimeError('boom')"), std::string::npos) << logged[0];
}

TEST(BaseFutureTests, test_tb_logger_exception_retrieved) {
  std::vector<std::string> logged;
  EventLoop loop({.virtual_time = true});
  capture_log(loop, logged);
  {
    Future<int> fut(loop);
    fut.set_exception(asyncio::RuntimeError("boom"));
    EXPECT_NE(fut.exception(), nullptr);
  }
  run_briefly(loop);
  EXPECT_TRUE(logged.empty()) << logged.front();
}

TEST(BaseFutureTests, test_tb_logger_exception_result_retrieved) {
  std::vector<std::string> logged;
  EventLoop loop({.virtual_time = true});
  capture_log(loop, logged);
  {
    Future<int> fut(loop);
    fut.set_exception(asyncio::RuntimeError("boom"));
    EXPECT_THROW(fut.result(), asyncio::RuntimeError);
  }
  run_briefly(loop);
  EXPECT_TRUE(logged.empty()) << logged.front();
}

namespace {

/// CPython's check_future_exception_never_retrieved(debug).
void check_future_exception_never_retrieved(bool debug) {
  std::vector<std::string> logged;
  std::vector<asyncio::ExceptionContext> contexts;
  EventLoop loop({.virtual_time = true});
  loop.set_debug(debug);
  capture_log(loop, logged);
  // Record the context, then log as the default handler does (Python checks exc_info).
  loop.set_exception_handler([&contexts](EventLoop& l, const asyncio::ExceptionContext& c) {
    contexts.push_back(c);
    l.default_exception_handler(c);
  });

  // Python raises MemoryError; its C++ twin is std::bad_alloc.
  const std::exception_ptr exc = std::make_exception_ptr(std::bad_alloc());
  {
    Future<int> future(loop);
    future.set_exception(exc);
  }
  run_briefly(loop);

  ASSERT_EQ(contexts.size(), 1u);
  EXPECT_EQ(contexts[0].message, "Future exception was never retrieved");
  EXPECT_EQ(contexts[0].exception, exc);
  EXPECT_TRUE(starts_with(contexts[0].object, "<Future finished exception=")) << contexts[0].object;
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_TRUE(starts_with(logged[0], "Future exception was never retrieved\n")) << logged[0];
  EXPECT_NE(logged[0].find("bad_alloc"), std::string::npos) << logged[0];
}

}  // namespace

TEST(BaseFutureTests, test_future_exception_never_retrieved) {
  check_future_exception_never_retrieved(false);
}

TEST(BaseFutureTests, test_future_exception_never_retrieved_debug) {
  check_future_exception_never_retrieved(true);
}

// --- BaseFutureDoneCallbackTests -----------------------------------------------------------

namespace {

/// CPython's _make_callback(bag, thing): a callback that appends `thing` to `bag`.
auto make_callback(std::vector<int>& bag, int thing) {
  return [&bag, thing](Future<std::string>) { bag.push_back(thing); };
}

}  // namespace

TEST(BaseFutureDoneCallbackTests, test_callbacks_remove_first_callback) {
  std::vector<int> bag;
  EventLoop loop({.virtual_time = true});
  Future<std::string> f(loop);

  const auto cb1 = f.add_done_callback(make_callback(bag, 42));
  f.add_done_callback(make_callback(bag, 17));
  f.add_done_callback(make_callback(bag, 100));

  EXPECT_EQ(f.remove_done_callback(cb1), 1u);
  EXPECT_EQ(f.remove_done_callback(cb1), 0u);

  EXPECT_TRUE(bag.empty());
  f.set_result("foo");

  run_briefly(loop);

  EXPECT_EQ(bag, (std::vector<int>{17, 100}));
  EXPECT_EQ(f.result(), "foo");
}

TEST(BaseFutureDoneCallbackTests, test_callbacks_remove_first_and_second_callback) {
  std::vector<int> bag;
  EventLoop loop({.virtual_time = true});
  Future<std::string> f(loop);

  const auto cb1 = f.add_done_callback(make_callback(bag, 42));
  const auto cb2 = f.add_done_callback(make_callback(bag, 17));
  f.add_done_callback(make_callback(bag, 100));

  EXPECT_EQ(f.remove_done_callback(cb1), 1u);
  EXPECT_EQ(f.remove_done_callback(cb2), 1u);
  EXPECT_EQ(f.remove_done_callback(cb1), 0u);

  EXPECT_TRUE(bag.empty());
  f.set_result("foo");

  run_briefly(loop);

  EXPECT_EQ(bag, (std::vector<int>{100}));
  EXPECT_EQ(f.result(), "foo");
}

TEST(BaseFutureDoneCallbackTests, test_callbacks_remove_third_callback) {
  std::vector<int> bag;
  EventLoop loop({.virtual_time = true});
  Future<std::string> f(loop);

  f.add_done_callback(make_callback(bag, 42));
  f.add_done_callback(make_callback(bag, 17));
  const auto cb3 = f.add_done_callback(make_callback(bag, 100));

  EXPECT_EQ(f.remove_done_callback(cb3), 1u);
  EXPECT_EQ(f.remove_done_callback(cb3), 0u);

  EXPECT_TRUE(bag.empty());
  f.set_result("foo");

  run_briefly(loop);

  EXPECT_EQ(bag, (std::vector<int>{42, 17}));
  EXPECT_EQ(f.result(), "foo");
}

TEST(BaseFutureDoneCallbackTests, test_callbacks_invoked_on_set_result) {
  std::vector<int> bag;
  EventLoop loop({.virtual_time = true});
  Future<std::string> f(loop);
  f.add_done_callback(make_callback(bag, 42));
  f.add_done_callback(make_callback(bag, 17));

  EXPECT_TRUE(bag.empty());
  f.set_result("foo");
  EXPECT_TRUE(bag.empty());  // scheduled with call_soon, not called by set_result

  run_briefly(loop);

  EXPECT_EQ(bag, (std::vector<int>{42, 17}));
  EXPECT_EQ(f.result(), "foo");
}

TEST(BaseFutureDoneCallbackTests, test_callbacks_invoked_on_set_exception) {
  std::vector<int> bag;
  EventLoop loop({.virtual_time = true});
  Future<std::string> f(loop);
  f.add_done_callback(make_callback(bag, 100));

  EXPECT_TRUE(bag.empty());
  const std::exception_ptr exc = std::make_exception_ptr(asyncio::RuntimeError(""));
  f.set_exception(exc);
  EXPECT_TRUE(bag.empty());

  run_briefly(loop);

  EXPECT_EQ(bag, (std::vector<int>{100}));
  EXPECT_EQ(f.exception(), exc);
}

TEST(BaseFutureDoneCallbackTests, test_remove_done_callback) {
  // Python removes every registration of an equal callable; C++ returns one id per
  // registration, so "all instances of cb1" are its six ids.
  std::vector<int> bag;
  EventLoop loop({.virtual_time = true});
  Future<std::string> f(loop);
  Future<std::string> other(loop);

  // Add one cb1 and one cb2.
  std::vector<std::uint64_t> cb1_ids{f.add_done_callback(make_callback(bag, 1))};
  const auto cb2 = f.add_done_callback(make_callback(bag, 2));

  // One instance of cb2 removed. Now there's only one cb1.
  EXPECT_EQ(f.remove_done_callback(cb2), 1u);

  // Never had any cb3 in there: its id belongs to another future.
  const auto cb3 = other.add_done_callback(make_callback(bag, 3));
  EXPECT_EQ(f.remove_done_callback(cb3), 0u);

  // After this there will be 6 instances of cb1 and one of cb2.
  f.add_done_callback(make_callback(bag, 2));
  for (int i = 0; i < 5; ++i) cb1_ids.push_back(f.add_done_callback(make_callback(bag, 1)));

  // Remove all instances of cb1. One cb2 remains.
  std::size_t removed = 0;
  for (const auto id : cb1_ids) removed += f.remove_done_callback(id);
  EXPECT_EQ(removed, 6u);

  EXPECT_TRUE(bag.empty());
  f.set_result("foo");

  run_briefly(loop);

  EXPECT_EQ(bag, (std::vector<int>{2}));
  EXPECT_EQ(f.result(), "foo");
  EXPECT_EQ(other.remove_done_callback(cb3), 1u);  // the other future's callback was untouched
}

TEST(BaseFutureDoneCallbackTests, test_schedule_callbacks_list_mutation_1) {
  // A callback that removes callbacks of the future while the loop runs them: by then they
  // are all scheduled, so nothing is removed and every one still runs (Python likewise).
  std::vector<std::string> bag;
  EventLoop loop({.virtual_time = true});
  Future<int> fut(loop);
  std::uint64_t str1 = 0;
  std::uint64_t str2 = 0;

  fut.add_done_callback([&](Future<int> f) {
    const std::size_t removed = f.remove_done_callback(str1) + f.remove_done_callback(str2);
    bag.push_back("mut " + std::to_string(removed));
  });
  str1 = fut.add_done_callback([&bag](Future<int>) { bag.push_back("str"); });
  str2 = fut.add_done_callback([&bag](Future<int>) { bag.push_back("str"); });
  fut.set_result(1);
  EXPECT_TRUE(bag.empty());

  run_briefly(loop);

  EXPECT_EQ(bag, (std::vector<std::string>{"mut 0", "str", "str"}));
}

// --- FutureCppTests (no CPython twin) ------------------------------------------------------

// A coroutine awaiting a named future holds a reference to it, as Python's awaiting task
// does: the future's owner may drop the last handle while the coroutine waits.
ASYNCIO_TEST(FutureCppTests, AwaitedFutureOutlivesItsDroppedHandle) {
  std::optional<Future<int>> slot(std::in_place);
  auto waiter = [](std::optional<Future<int>>& s) -> awaitable<int> { co_return co_await *s; };
  auto t = asyncio::create_task(waiter(slot));
  co_await asyncio::sleep(0);
  slot.reset();  // the last handle but the waiter's
  EXPECT_TRUE(t.cancel());
  EXPECT_TRUE(co_await asyncio::testing::co_raises<CancelledError>(t));
}

ASYNCIO_TEST(FutureCppTests, AwaitedFutureOutlivesItsDroppedHandleUntilResumed) {
  std::vector<Future<int>> slots(1);
  Future<int> keep = slots[0];
  auto waiter = [](std::vector<Future<int>>& s) -> awaitable<int> { co_return co_await s[0]; };
  auto t = asyncio::create_task(waiter(slots));
  co_await asyncio::sleep(0);
  slots.clear();
  keep.set_result(7);
  keep = Future<int>();  // the waiter's reference is now the only one
  EXPECT_EQ(co_await t, 7);
}

ASYNCIO_TEST(FutureCppTests, AwaitedTaskOutlivesItsDroppedHandle) {
  auto inner = []() -> awaitable<int> {
    co_await asyncio::sleep(1);
    co_return 3;
  };
  std::optional<Task<int>> slot(asyncio::create_task(inner()));
  auto waiter = [](std::optional<Task<int>>& s) -> awaitable<int> { co_return co_await *s; };
  auto t = asyncio::create_task(waiter(slot));
  co_await asyncio::sleep(0);
  slot.reset();
  EXPECT_EQ(co_await t, 3);
  EXPECT_EQ(now(), 1.0);
}
