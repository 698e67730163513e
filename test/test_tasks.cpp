// Ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py: create_task, task names, result
// and exception, cancel (and its message, cancelling()/uncancel()), current_task, all_tasks,
// sleep, done callbacks and repr. Each test is named Suite.test_name after the CPython class
// that defines the method, so `--gtest_filter=BaseTaskTests.test_cancel_yield` and
// `unittest ...BaseTaskTests.test_cancel_yield` select the same case. Tests with no CPython
// twin (C++-only, or behaviour the brief asks for that test_tasks.py checks only in passing)
// are in the suite CppTaskTests at the end, with PascalCase names.
//
// Skipped, with the reason:
//   Out of scope here (gather, wait, wait_for, as_completed, shield, to_thread,
//   run_coroutine_threadsafe: ported with those features):
//     BaseTaskTests.test_wait*, test_as_completed*, test_shield*, test_gather_shield,
//     test_cancel_gather_1, test_cancel_gather_2, test_yield_wait_does_not_shield_cancel,
//     test_as_completed_invalid_args, test_wait_invalid_args, test_task_del_collect (gather +
//     GC), GatherTestsBase/FutureGatherTests/CoroutineGatherTests.*,
//     RunCoroutineThreadsafeTests.*.
//   Contextvars: BaseTaskTests.test_context_1..6, test_get_context.
//   No ensure_future in C++ (create_task takes an awaitable<T> or an asyncio operation):
//     test_ensure_future_coroutine, _future, _task, _awaitable, _task_awaitable, _neither,
//     _error_msg.
//   Python-only introspection and object model:
//     test_generic_alias (checked at compile time below: Task<T>::value_type),
//     test_task_cancel_message_setter (no writable _cancel_message),
//     test_get_stack, test_task_source_traceback, test_cancel_traceback_for_future_result,
//     test_cancel_traceback_for_future_exception (no stacks/tracebacks in C++),
//     test_exception_chaining_after_await, ..._with_context_cycle (no __context__ chaining),
//     test_task_repr_name_not_str (names are std::string),
//     test_log_traceback (private _log_traceback attribute),
//     test_iscoroutinefunction, test_create_task_with_asynclike_function (no coroutine-like
//     protocol objects; create_task(asyncio::sleep(...)) is in
//     CppTaskTests.AllTasksAndCurrentTask), test_get_coro (no get_coro()), test_error_in_call_soon
//     (call_soon cannot be patched), test_subclasses_ctask_cfuture and
//     CTask_Future_Tests.test_foobar (Task/Future subclasses), SetMethodsTest.*
//     (Future.set_result(task) on a Task: Task is not a Future in C++), GenericTaskTests.*
//     (issubclass(Task, Future), the _asyncio C module),
//     CTask_CFuture_Tests.test_refleaks_in_task___init__, test_del__log_destroy_pending_segfault
//     (regressions of CPython's C module),
//     BaseTaskIntrospectionTests.* (private _register_task/_enter_task/_leave_task hooks),
//     BaseCurrentLoopTests.test_current_task_no_running_loop (no current_task(loop) overload).
//   Compile-time only (see the static_asserts below): test_create_task_with_noncoroutine,
//     test_task_set_methods' set_result/set_exception part.
//   Generator-based coroutines, eager tasks, GC/weakref/pickling: not applicable.
//
// Adaptations: CPython's `self.loop` is a non-running EventLoop on virtual time (`loop()`
// below); `sleep(d, result)` has no result argument, the coroutine returns the value itself;
// CPython's TestLoop time generators become exact loop.time() checks; white-box checks of
// `_fut_waiter` and `_must_cancel` read the task's detail state, as CPython's do.

#include <asyncio/task.hpp>

#include "asyncio_test.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <exception>
#include <limits>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using asyncio::awaitable;
using asyncio::testing::now;
using asyncio::testing::yield_briefly;

// --- type contracts ------------------------------------------------------------------------

// create_task gives a Task of the coroutine's result type, from any spelling.
static_assert(std::is_same_v<decltype(asyncio::create_task(std::declval<awaitable<int>>())),
                             asyncio::Task<int>>);
static_assert(std::is_same_v<decltype(asyncio::create_task(std::declval<awaitable<void>>())),
                             asyncio::Task<void>>);
static_assert(std::is_same_v<decltype(std::declval<asyncio::EventLoop&>().create_task(
                                 std::declval<awaitable<std::string>>(), "name")),
                             asyncio::Task<std::string>>);
// An asyncio operation runs as a task too (CPython: create_task(asyncio.sleep(10))).
static_assert(
    std::is_same_v<decltype(asyncio::create_task(asyncio::sleep(1s))), asyncio::Task<void>>);
static_assert(std::is_same_v<decltype(asyncio::sleep(1s)), decltype(asyncio::sleep(1.0))>);
// BaseTaskTests.test_generic_alias: Task[str] is parameterized by its result type.
static_assert(std::is_same_v<asyncio::Task<std::string>::value_type, std::string>);
static_assert(std::is_same_v<decltype(std::declval<const asyncio::Task<int>&>().result()), int>);
// Task<T> is a cheap copyable handle, usable where the type is unknown (AnyTask).
static_assert(std::is_copy_constructible_v<asyncio::Task<int>>);
static_assert(std::is_base_of_v<asyncio::AnyTask, asyncio::Task<int>>);
static_assert(std::is_same_v<decltype(asyncio::current_task()), asyncio::AnyTask>);
static_assert(std::is_same_v<decltype(asyncio::all_tasks()), std::vector<asyncio::AnyTask>>);
static_assert(std::is_same_v<decltype(std::declval<const asyncio::AnyTask&>().exception()),
                             std::exception_ptr>);
// CancelledError is a BaseException: `catch (const std::exception&)` must not swallow it.
static_assert(!std::is_base_of_v<std::exception, asyncio::CancelledError>);

template <typename X>
concept can_create_task = requires(X x) {
  asyncio::create_task(std::move(x));
};
// BaseTaskTests.test_create_task_with_noncoroutine: "a coroutine was expected, got 123".
static_assert(!can_create_task<int>);
static_assert(can_create_task<awaitable<int>>);

template <typename F>
concept has_set_result = requires(F f) {
  f.set_result(std::declval<typename F::value_type>());
};
template <typename F>
concept has_set_exception = requires(F f) {
  f.set_exception(std::exception_ptr());
};
// BaseTaskTests.test_task_set_methods: a Task does not support set_result/set_exception.
static_assert(!has_set_result<asyncio::Task<std::string>>);
static_assert(!has_set_exception<asyncio::Task<std::string>>);
static_assert(has_set_result<asyncio::Future<std::string>>);  // the concepts do detect them
static_assert(has_set_exception<asyncio::Future<std::string>>);

// --- helpers -------------------------------------------------------------------------------

namespace {

using asyncio::testing::describe;
using asyncio::testing::raises;

/// CPython's `self.loop`: a new loop, not running, on the virtual clock.
std::unique_ptr<asyncio::EventLoop> loop() {
  return asyncio::new_event_loop({.virtual_time = true});
}

/// CPython's `test_utils.run_briefly(loop)`, exactly: run a task whose body is `pass`, so
/// the loop does two iterations (what is ready now, then what that scheduled, among it the
/// done callback that stops the loop).
///
/// Not asyncio_test.hpp's run_briefly: its task awaits sleep(0), which makes three
/// iterations, one more than CPython's, and lets tasks finish that CPython's tests expect
/// to be still pending (test_cancel_yield fails with it).
void run_briefly(asyncio::EventLoop& loop) {
  loop.run_until_complete(loop.create_task([]() -> awaitable<void> { co_return; }()));
}

/// Python's `repr(obj)`.
template <typename T>
std::string repr(const T& obj) {
  std::ostringstream os;
  os << obj;
  return os.str();
}

/// Python's `re.escape`.
std::string re_escape(const std::string& s) {
  static const std::string special = R"(\^$.|?*+()[]{}-)";
  std::string out;
  for (char c : s) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

/// `f()` raises CancelledError whose message (Python: `exc.args`) is exactly `message`.
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

/// White-box, as CPython's `task._fut_waiter is fut`: the task is suspended on `fut`.
template <typename T>
bool waits_for(const asyncio::AnyTask& task, const asyncio::Future<T>& fut) {
  asyncio::detail::Waiter* w = asyncio::detail::HandleAccess::core(task)->fut_waiter();
  using FutureWaiter = asyncio::detail::FutureWaiter<asyncio::detail::FutureState<T>>;
  return w != nullptr &&
         static_cast<FutureWaiter*>(w)->state.get() == asyncio::detail::HandleAccess::state(fut);
}

/// Python's `await asyncio.wait([task])` for one task: returns once `task` is done,
/// without raising its exception (gather/wait are ported elsewhere).
template <typename T>
awaitable<void> wait_done(asyncio::Task<T> task) {
  asyncio::Future<void> done;
  task.add_done_callback([done](asyncio::Task<T>) mutable { done.set_result(); });
  co_await done;
}

/// `await asyncio.sleep(delay)` as a coroutine, for run_until_complete.
awaitable<void> sleep_for(double delay) {
  co_await asyncio::sleep(delay);
}

/// CPython's `Dummy`: a callable that does nothing.
struct Dummy {
  void operator()(const asyncio::AnyTask&) const {}
};

/// A BaseException that is not CancelledError (CPython: SystemExit).
struct SystemExit {};

}  // namespace

// --- BaseTaskTests -------------------------------------------------------------------------

TEST(BaseTaskTests, test_task_cancel_message_getter) {
  auto loop = ::loop();
  auto coro = []() -> awaitable<void> { co_return; };
  auto t = loop->create_task(coro());
  t.cancel("my message");
  EXPECT_TRUE(raises_cancelled([&] { loop->run_until_complete(t); }, "my message"));
}

TEST(BaseTaskTests, test_other_loop_future) {
  auto loop = ::loop();
  auto other_loop = asyncio::new_event_loop();
  auto fut = other_loop->create_future<void>();
  auto run = [](asyncio::Future<void> fut) -> awaitable<void> { co_await fut; };
  EXPECT_TRUE(raises<asyncio::RuntimeError>([&] { loop->run_until_complete(run(fut)); },
                                            "Task .* got Future .* attached"));
  other_loop->close();
}

TEST(BaseTaskTests, test_task_awaits_on_itself) {
  auto loop = ::loop();
  asyncio::Task<void> task;
  auto test = [&]() -> awaitable<void> { co_await task; };
  task = loop->create_task(test());
  EXPECT_TRUE(raises<asyncio::RuntimeError>([&] { loop->run_until_complete(task); },
                                            "Task cannot await on itself"));
}

TEST(BaseTaskTests, test_task_class) {
  auto loop = ::loop();
  auto notmuch = []() -> awaitable<std::string> { co_return "ok"; };
  auto t = loop->create_task(notmuch());
  loop->run_until_complete(t);
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.result(), "ok");
  EXPECT_EQ(&t.get_loop(), loop.get());

  auto loop2 = asyncio::new_event_loop({.virtual_time = true});
  t = loop2->create_task(notmuch());
  EXPECT_EQ(&t.get_loop(), loop2.get());
  loop2->run_until_complete(t);
  loop2->close();
}

TEST(BaseTaskTests, test_task_repr) {
  // C++ cannot name the coroutine (Python's `coro=<...>`) or the callbacks (`cb=[...]`):
  // those parts are optional; the state, the name and the result must match.
  auto loop = ::loop();
  loop->set_debug(false);
  auto notmuch = []() -> awaitable<std::string> { co_return "abc"; };

  // test pending Task
  auto t = loop->create_task(notmuch(), "TestTask");
  t.add_done_callback(Dummy());
  EXPECT_TRUE(std::regex_match(
      repr(t), std::regex(R"(<Task pending name='TestTask'( coro=<.*>)?( cb=\[.*\])?>)")))
      << repr(t);

  // test cancelling Task
  t.cancel();  // Does not take immediate effect!
  EXPECT_TRUE(std::regex_match(
      repr(t), std::regex(R"(<Task cancelling name='TestTask'( coro=<.*>)?( cb=\[.*\])?>)")))
      << repr(t);

  // test cancelled Task
  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_TRUE(
      std::regex_match(repr(t), std::regex(R"(<Task cancelled name='TestTask'( coro=<.*>)?>)")))
      << repr(t);

  // test finished Task
  t = loop->create_task(notmuch(), "TestTask");
  loop->run_until_complete(t);
  EXPECT_TRUE(std::regex_match(
      repr(t), std::regex(R"(<Task finished name='TestTask'( coro=<.*>)? result='abc'>)")))
      << repr(t);
}

TEST(BaseTaskTests, test_task_repr_autogenerated) {
  auto loop = ::loop();
  auto notmuch = []() -> awaitable<int> { co_return 123; };
  auto t1 = loop->create_task(notmuch());
  auto t2 = loop->create_task(notmuch());
  EXPECT_NE(repr(t1), repr(t2));

  std::smatch match1, match2;
  const std::string r1 = repr(t1), r2 = repr(t2);
  const std::regex pattern("^<Task pending name='Task-(\\d+)'");
  ASSERT_TRUE(std::regex_search(r1, match1, pattern)) << r1;
  ASSERT_TRUE(std::regex_search(r2, match2, pattern)) << r2;

  // Autogenerated task names should have monotonically increasing numbers
  EXPECT_LT(std::stoull(match1[1]), std::stoull(match2[1]));
  EXPECT_EQ(t1.get_name(), "Task-" + match1[1].str());
  loop->run_until_complete(t1);
  loop->run_until_complete(t2);
}

TEST(BaseTaskTests, test_task_set_name_pylong) {
  auto loop = ::loop();
  auto notmuch = []() -> awaitable<int> { co_return 123; };
  auto t = loop->create_task(notmuch(), "987654321");
  EXPECT_EQ(t.get_name(), "987654321");
  t.set_name("123456789");
  EXPECT_EQ(t.get_name(), "123456789");
  loop->run_until_complete(t);
}

TEST(BaseTaskTests, test_task_repr_wait_for) {
  auto loop = ::loop();
  loop->set_debug(false);
  auto wait_for = [](asyncio::Future<void> fut) -> awaitable<void> { co_return co_await fut; };
  auto fut = loop->create_future<void>();
  auto task = loop->create_task(wait_for(fut));
  run_briefly(*loop);
  EXPECT_TRUE(
      std::regex_search(repr(task), std::regex("<Task .* wait_for=" + re_escape(repr(fut)) + ">")))
      << repr(task);

  fut.set_result();
  loop->run_until_complete(task);
}

TEST(BaseTaskTests, test_task_basics) {
  auto loop = ::loop();
  auto inner1 = []() -> awaitable<int> { co_return 42; };
  auto inner2 = []() -> awaitable<int> { co_return 1000; };
  auto outer = [&]() -> awaitable<int> {
    int a = co_await inner1();
    int b = co_await inner2();
    co_return a + b;
  };
  EXPECT_EQ(loop->run_until_complete(outer()), 1042);
}

TEST(BaseTaskTests, test_cancelling) {
  auto loop = ::loop();
  auto task = []() -> awaitable<void> { co_await asyncio::sleep(10); };
  auto t = loop->create_task(task());
  EXPECT_FALSE(t.cancelling());
  EXPECT_EQ(repr(t).find(" cancelling "), std::string::npos) << repr(t);
  EXPECT_TRUE(t.cancel());
  EXPECT_TRUE(t.cancelling());
  EXPECT_NE(repr(t).find(" cancelling "), std::string::npos) << repr(t);

  // Since we commented out two lines from Task.cancel(),
  // this t.cancel() call now returns True.
  EXPECT_TRUE(t.cancel());

  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_EQ(loop->time(), 0.0);
  loop->close();
}

TEST(BaseTaskTests, test_uncancel_basic) {
  auto loop = ::loop();
  auto task = []() -> awaitable<void> {
    bool cancelled = false;
    try {
      co_await asyncio::sleep(10);
    } catch (const asyncio::CancelledError&) {
      asyncio::current_task().uncancel();
      cancelled = true;
    }
    if (cancelled) co_await asyncio::sleep(10);  // in the except block, in Python
  };

  auto t = loop->create_task(task());
  loop->run_until_complete(sleep_for(0.01));

  // Cancel first sleep
  EXPECT_TRUE(t.cancel());
  EXPECT_NE(repr(t).find(" cancelling "), std::string::npos) << repr(t);
  EXPECT_EQ(t.cancelling(), 1);
  EXPECT_FALSE(t.cancelled());  // Task is still not complete
  loop->run_until_complete(sleep_for(0.01));

  // after .uncancel()
  EXPECT_EQ(repr(t).find(" cancelling "), std::string::npos) << repr(t);
  EXPECT_EQ(t.cancelling(), 0);
  EXPECT_FALSE(t.cancelled());  // Task is still not complete

  // Cancel second sleep
  EXPECT_TRUE(t.cancel());
  EXPECT_EQ(t.cancelling(), 1);
  EXPECT_FALSE(t.cancelled());  // Task is still not complete
  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_TRUE(t.cancelled());  // Finally, task complete
  EXPECT_TRUE(t.done());
  EXPECT_EQ(loop->time(), 0.02);

  // uncancel is no longer effective after the task is complete
  t.uncancel();
  EXPECT_TRUE(t.cancelled());
  EXPECT_TRUE(t.done());
  loop->close();
}

TEST(BaseTaskTests, test_uncancel_structured_blocks) {
  // This test recreates the following high-level structure using uncancel():
  //
  //     async def make_request_with_timeout():
  //         try:
  //             async with asyncio.timeout(1):
  //                 # Structured block affected by the timeout:
  //                 await make_request()
  //                 await make_another_request()
  //         except TimeoutError:
  //             pass  # There was a timeout
  //         # Outer code not affected by the timeout:
  //         await unrelated_code()
  auto loop = ::loop();
  using Outcome = std::tuple<bool, bool, bool>;

  auto make_request_with_timeout = [](double sleep, double timeout) -> awaitable<Outcome> {
    asyncio::AnyTask task = asyncio::current_task();
    asyncio::EventLoop& loop = task.get_loop();

    bool timed_out = false;
    bool structured_block_finished = false;
    bool outer_code_reached = false;

    auto timeout_handle = loop.call_later(timeout, [&timed_out, task]() mutable {
      timed_out = true;
      task.cancel();
    });
    try {
      // try: ... finally: ..., with the exception kept for the finally block.
      std::exception_ptr error;
      bool is_cancelled_error = false;
      try {
        // Structured block affected by the timeout
        co_await asyncio::sleep(sleep);
        structured_block_finished = true;
      } catch (const asyncio::CancelledError&) {
        error = std::current_exception();
        is_cancelled_error = true;
      } catch (...) {
        error = std::current_exception();
      }
      // finally:
      timeout_handle.cancel();
      if (timed_out && task.uncancel() == 0 && is_cancelled_error) {
        // The five rules of CPython's comment: uncancel in `finally`, only when our timeout
        // fired, only because *we* called cancel(), only when the count drops to 0, and
        // only convert CancelledError.
        throw asyncio::TimeoutError();
      }
      if (error) std::rethrow_exception(error);
    } catch (const asyncio::TimeoutError&) {
      EXPECT_TRUE(timed_out);
    }

    // Outer code not affected by the timeout:
    outer_code_reached = true;
    co_await asyncio::sleep(0);
    co_return Outcome{timed_out, structured_block_finished, outer_code_reached};
  };

  // Test which timed out.
  auto t1 = loop->create_task(make_request_with_timeout(10.0, 0.1));
  auto [timed_out, structured_block_finished, outer_code_reached] = loop->run_until_complete(t1);
  EXPECT_TRUE(timed_out);
  EXPECT_FALSE(structured_block_finished);  // it was cancelled
  EXPECT_TRUE(outer_code_reached);  // task got uncancelled after leaving the structured block
                                    // and continued until completion
  EXPECT_EQ(t1.cancelling(), 0);    // no pending cancellation of the outer task
  EXPECT_EQ(loop->time(), 0.1);

  // Test which did not time out.
  auto t2 = loop->create_task(make_request_with_timeout(0, 10.0));
  std::tie(timed_out, structured_block_finished, outer_code_reached) = loop->run_until_complete(t2);
  EXPECT_FALSE(timed_out);
  EXPECT_TRUE(structured_block_finished);
  EXPECT_TRUE(outer_code_reached);
  EXPECT_EQ(t2.cancelling(), 0);
  EXPECT_EQ(loop->time(), 0.1);
  loop->close();
}

TEST(BaseTaskTests, test_uncancel_resets_must_cancel) {
  auto loop = ::loop();
  auto fut = loop->create_future<void>();
  auto coro = [](asyncio::Future<void> fut) -> awaitable<int> {
    co_await fut;
    co_return 42;
  };
  auto task = loop->create_task(coro(fut));
  loop->run_until_complete(sleep_for(0));  // Get task waiting for fut
  fut.set_result();                        // Make task runnable
  task.cancel();                           // Enter cancelled state
  EXPECT_EQ(task.cancelling(), 1);
  EXPECT_TRUE(asyncio::detail::HandleAccess::core(task)->must_cancel());  // White-box test.

  task.uncancel();  // Undo cancellation
  EXPECT_EQ(task.cancelling(), 0);
  EXPECT_FALSE(asyncio::detail::HandleAccess::core(task)->must_cancel());  // White-box test.

  EXPECT_EQ(loop->run_until_complete(task), 42);
  loop->close();
}

TEST(BaseTaskTests, test_cancel) {
  auto loop = ::loop();
  auto task = []() -> awaitable<int> {
    co_await asyncio::sleep(10.0);
    co_return 12;
  };
  auto t = loop->create_task(task());
  loop->call_soon([t]() mutable { t.cancel(); });
  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.cancelled());
  EXPECT_FALSE(t.cancel());
  EXPECT_EQ(loop->time(), 0.0);  // CPython's time generator: the 10 s sleep never fires
}

TEST(BaseTaskTests, test_cancel_with_message_then_future_result) {
  // Test Future.result() after calling cancel() with a message. CPython's cases `()` and
  // `(None,)` are both cancel() here; `(5,)` (a non-string message) has no C++ twin.
  for (const std::string message : {"", "my message"}) {
    SCOPED_TRACE("cancel('" + message + "')");
    auto loop = ::loop();

    auto sleep = []() -> awaitable<void> { co_await asyncio::sleep(10); };
    auto coro = [&]() -> awaitable<void> {
      auto task = asyncio::create_task(sleep());
      co_await asyncio::sleep(0);
      task.cancel(message);
      co_await wait_done(task);
      task.result();
    };

    auto task = loop->create_task(coro());
    EXPECT_TRUE(raises_cancelled([&] { loop->run_until_complete(task); }, message));
    loop->close();
  }
}

TEST(BaseTaskTests, test_cancel_with_message_then_future_exception) {
  // Test Future.exception() after calling cancel() with a message.
  for (const std::string message : {"", "my message"}) {
    SCOPED_TRACE("cancel('" + message + "')");
    auto loop = ::loop();

    auto sleep = []() -> awaitable<void> { co_await asyncio::sleep(10); };
    auto coro = [&]() -> awaitable<void> {
      auto task = asyncio::create_task(sleep());
      co_await asyncio::sleep(0);
      task.cancel(message);
      co_await wait_done(task);
      static_cast<void>(task.exception());
    };

    auto task = loop->create_task(coro());
    EXPECT_TRUE(raises_cancelled([&] { loop->run_until_complete(task); }, message));
    loop->close();
  }
}

TEST(BaseTaskTests, test_cancellation_exception_context) {
  // Python checks that ValueError's __context__ is CancelledError('msg'); C++ has no
  // exception chaining, so the handler records the CancelledError it caught.
  auto loop = ::loop();
  auto fut = loop->create_future<void>();
  std::string caught;

  auto sleep = [&]() -> awaitable<void> {
    fut.set_result();
    co_await asyncio::sleep(10);
  };
  auto coro = [&]() -> awaitable<void> {
    auto inner_task = asyncio::create_task(sleep());
    co_await fut;
    loop->call_soon([inner_task]() mutable { inner_task.cancel("msg"); });
    try {
      co_await inner_task;
    } catch (const asyncio::CancelledError& ex) {
      caught = "CancelledError('" + ex.message() + "')";
      throw asyncio::ValueError("cancelled");
    }
  };

  auto task = loop->create_task(coro());
  EXPECT_TRUE(raises<asyncio::ValueError>([&] { loop->run_until_complete(task); }, "^cancelled$"));
  EXPECT_EQ(caught, "CancelledError('msg')");
  loop->close();
}

TEST(BaseTaskTests, test_cancel_with_message_before_starting_task) {
  auto loop = ::loop();
  auto sleep = []() -> awaitable<void> { co_await asyncio::sleep(10); };
  auto coro = [&]() -> awaitable<void> {
    auto task = asyncio::create_task(sleep());
    // We deliberately leave out the sleep here.
    task.cancel("my message");
    co_await wait_done(task);
    static_cast<void>(task.exception());
  };

  auto task = loop->create_task(coro());
  EXPECT_TRUE(raises_cancelled([&] { loop->run_until_complete(task); }, "my message"));
  loop->close();
}

TEST(BaseTaskTests, test_cancel_yield) {
  auto loop = ::loop();
  auto task = []() -> awaitable<int> {
    co_await asyncio::sleep(0);
    co_await asyncio::sleep(0);
    co_return 12;
  };
  auto t = loop->create_task(task());
  run_briefly(*loop);  // start coro
  t.cancel();
  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.cancelled());
  EXPECT_FALSE(t.cancel());
}

TEST(BaseTaskTests, test_cancel_inner_future) {
  auto loop = ::loop();
  auto f = loop->create_future<void>();
  auto task = [&]() -> awaitable<int> {
    co_await f;
    co_return 12;
  };
  auto t = loop->create_task(task());
  run_briefly(*loop);  // start task
  f.cancel();
  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(t.cancelled());
}

TEST(BaseTaskTests, test_cancel_both_task_and_inner_future) {
  auto loop = ::loop();
  auto f = loop->create_future<void>();
  auto task = [&]() -> awaitable<int> {
    co_await f;
    co_return 12;
  };
  auto t = loop->create_task(task());
  run_briefly(*loop);

  f.cancel();
  t.cancel();

  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(t.cancelled());
}

TEST(BaseTaskTests, test_cancel_task_catching) {
  auto loop = ::loop();
  auto fut1 = loop->create_future<void>();
  auto fut2 = loop->create_future<void>();
  auto task = [&]() -> awaitable<int> {
    co_await fut1;
    try {
      co_await fut2;
    } catch (const asyncio::CancelledError&) {
      co_return 42;
    }
    co_return 0;  // Python: None
  };

  auto t = loop->create_task(task());
  run_briefly(*loop);
  EXPECT_TRUE(waits_for(t, fut1));  // White-box test.
  fut1.set_result();
  run_briefly(*loop);
  EXPECT_TRUE(waits_for(t, fut2));  // White-box test.
  t.cancel();
  EXPECT_TRUE(fut2.cancelled());
  EXPECT_EQ(loop->run_until_complete(t), 42);
  EXPECT_FALSE(t.cancelled());
}

TEST(BaseTaskTests, test_cancel_task_ignoring) {
  auto loop = ::loop();
  auto fut1 = loop->create_future<void>();
  auto fut2 = loop->create_future<void>();
  auto fut3 = loop->create_future<int>();
  auto task = [&]() -> awaitable<int> {
    co_await fut1;
    try {
      co_await fut2;
    } catch (const asyncio::CancelledError&) {
    }
    int res = co_await fut3;
    co_return res;
  };

  auto t = loop->create_task(task());
  run_briefly(*loop);
  EXPECT_TRUE(waits_for(t, fut1));  // White-box test.
  fut1.set_result();
  run_briefly(*loop);
  EXPECT_TRUE(waits_for(t, fut2));  // White-box test.
  t.cancel();
  EXPECT_TRUE(fut2.cancelled());
  run_briefly(*loop);
  EXPECT_TRUE(waits_for(t, fut3));  // White-box test.
  fut3.set_result(42);
  EXPECT_EQ(loop->run_until_complete(t), 42);
  EXPECT_FALSE(fut3.cancelled());
  EXPECT_FALSE(t.cancelled());
}

TEST(BaseTaskTests, test_cancel_current_task) {
  auto loop = ::loop();
  asyncio::Task<int> t;
  auto task = [&]() -> awaitable<int> {
    t.cancel();
    EXPECT_TRUE(asyncio::detail::HandleAccess::core(t)->must_cancel());  // White-box test.
    // The sleep should be cancelled immediately.
    co_await asyncio::sleep(100);
    co_return 12;
  };

  t = loop->create_task(task());
  EXPECT_FALSE(t.cancelled());
  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.cancelled());
  EXPECT_FALSE(asyncio::detail::HandleAccess::core(t)->must_cancel());  // White-box test.
  EXPECT_FALSE(t.cancel());
  EXPECT_EQ(loop->time(), 0.0);
}

TEST(BaseTaskTests, test_cancel_at_end) {
  // coroutine end right after task is cancelled
  auto loop = ::loop();
  asyncio::Task<int> t;
  auto task = [&]() -> awaitable<int> {
    t.cancel();
    EXPECT_TRUE(asyncio::detail::HandleAccess::core(t)->must_cancel());  // White-box test.
    co_return 12;
  };

  t = loop->create_task(task());
  EXPECT_FALSE(t.cancelled());
  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.cancelled());
  EXPECT_FALSE(asyncio::detail::HandleAccess::core(t)->must_cancel());  // White-box test.
  EXPECT_FALSE(t.cancel());
}

TEST(BaseTaskTests, test_cancel_awaited_task) {
  // This tests for a relatively rare condition when a task cancellation is requested for a
  // task which is not currently blocked, such as a task cancelling itself. In this
  // situation we must ensure that whatever next future or task the cancelled task blocks
  // on is cancelled correctly as well. See also bpo-34872.
  auto loop = ::loop();
  asyncio::Task<void> task, nested_task;
  auto fut = loop->create_future<void>();

  auto nested = [&]() -> awaitable<void> { co_await fut; };
  auto coro = [&]() -> awaitable<void> {
    // Create a sub-task and wait for it to run.
    nested_task = asyncio::create_task(nested());
    co_await asyncio::sleep(0);

    // Request the current task to be cancelled.
    task.cancel();
    // Block on the nested task, which should be immediately cancelled.
    co_await nested_task;
  };

  task = loop->create_task(coro());
  EXPECT_THROW(loop->run_until_complete(task), asyncio::CancelledError);

  EXPECT_TRUE(task.cancelled());
  EXPECT_TRUE(nested_task.cancelled());
  EXPECT_TRUE(fut.cancelled());
  loop->close();
}

TEST(BaseTaskTests, test_stop_while_run_in_complete) {
  auto loop = ::loop();
  int x = 0;
  auto task = [&]() -> awaitable<void> {
    while (x < 10) {
      co_await asyncio::sleep(0.1);
      x += 1;
      if (x == 2) loop->stop();
    }
  };

  auto t = loop->create_task(task());
  EXPECT_TRUE(raises<asyncio::RuntimeError>([&] { loop->run_until_complete(t); },
                                            "^Event loop stopped before Future completed\\.$"));
  EXPECT_FALSE(t.done());
  EXPECT_EQ(x, 2);
  // CPython's TestLoop reads 0.3 here: it advances its clock for the sleep scheduled in the
  // last iteration before stopping. A real loop (and the virtual clock) reads 0.2.
  EXPECT_EQ(loop->time(), 0.2);

  t.cancel();
  EXPECT_THROW(loop->run_until_complete(t), asyncio::CancelledError);
}

TEST(BaseTaskTests, test_sleep) {
  auto loop = ::loop();
  auto sleeper = [](double dt, std::string arg) -> awaitable<std::string> {
    co_await asyncio::sleep(dt / 2);
    co_await asyncio::sleep(dt / 2);  // Python: res = await asyncio.sleep(dt/2, arg)
    co_return arg;
  };

  auto t = loop->create_task(sleeper(0.1, "yeah"));
  loop->run_until_complete(t);
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.result(), "yeah");
  EXPECT_EQ(loop->time(), 0.1);
}

TEST(BaseTaskTests, test_sleep_when_delay_is_nan) {
  auto loop = ::loop();
  auto sleeper = []() -> awaitable<void> {
    co_await asyncio::sleep(std::numeric_limits<double>::quiet_NaN());
  };
  auto t = loop->create_task(sleeper());
  EXPECT_THROW(loop->run_until_complete(t), asyncio::ValueError);
  EXPECT_EQ(loop->time(), 0.0);
}

TEST(BaseTaskTests, test_sleep_cancel) {
  // CPython checks that the sleep's TimerHandle is cancelled (white-box, by patching
  // call_later); here the timer lives in the coroutine frame, so a timer left behind would
  // be a use-after-free that the sanitizer run reports, and the clock must not move.
  auto loop = ::loop();
  // Python passes the sleep() coroutine itself; loop.create_task takes only awaitable<T>
  // (the free create_task also takes asyncio::sleep(...) directly).
  auto t = loop->create_task(sleep_for(10.0));
  run_briefly(*loop);
  EXPECT_FALSE(t.done());

  t.cancel();
  run_briefly(*loop);
  EXPECT_TRUE(t.cancelled());
  EXPECT_EQ(loop->time(), 0.0);
}

TEST(BaseTaskTests, test_task_cancel_sleeping_task) {
  auto loop = ::loop();
  auto sleep = [](double dt) -> awaitable<void> { co_await asyncio::sleep(dt); };
  auto doit = [&]() -> awaitable<std::string> {
    auto sleeper = asyncio::create_task(sleep(5000));
    loop->call_later(0.1, [sleeper]() mutable { sleeper.cancel(); });
    try {
      co_await sleeper;
    } catch (const asyncio::CancelledError&) {
      co_return "cancelled";
    }
    co_return "slept in";
  };

  EXPECT_EQ(loop->run_until_complete(doit()), "cancelled");
  EXPECT_EQ(loop->time(), 0.1);
}

TEST(BaseTaskTests, test_task_cancel_waiter_future) {
  auto loop = ::loop();
  auto fut = loop->create_future<void>();
  auto coro = [&]() -> awaitable<void> { co_await fut; };

  auto task = loop->create_task(coro());
  run_briefly(*loop);
  EXPECT_TRUE(waits_for(task, fut));  // White-box test.

  task.cancel();
  run_briefly(*loop);
  EXPECT_THROW(loop->run_until_complete(task), asyncio::CancelledError);
  EXPECT_EQ(asyncio::detail::HandleAccess::core(task)->fut_waiter(), nullptr);  // White-box test.
  EXPECT_TRUE(fut.cancelled());
}

TEST(BaseTaskTests, test_task_set_methods) {
  // That a Task has no set_result/set_exception is checked at compile time (top of file).
  auto loop = ::loop();
  auto notmuch = []() -> awaitable<std::string> { co_return "ko"; };
  auto task = loop->create_task(notmuch());
  EXPECT_EQ(loop->run_until_complete(task), "ko");
}

TEST(BaseTaskTests, test_step_result_future) {
  // If coroutine returns future, task waits on this future. (CPython also checks, through
  // a Future subclass, that awaiting goes through add_done_callback: no C++ twin.)
  auto loop = ::loop();
  auto fut = loop->create_future<std::shared_ptr<int>>();
  std::shared_ptr<int> result;
  auto wait_for_future = [&]() -> awaitable<void> { result = co_await fut; };

  auto t = loop->create_task(wait_for_future());
  run_briefly(*loop);
  EXPECT_TRUE(waits_for(t, fut));  // White-box: CPython's fut.cb_added

  auto res = std::make_shared<int>(0);
  fut.set_result(res);
  run_briefly(*loop);
  EXPECT_EQ(res, result);  // the same object
  EXPECT_TRUE(t.done());
  EXPECT_NO_THROW(t.result());
}

TEST(BaseTaskTests, test_baseexception_during_cancel) {
  // C++ has no BaseException that escapes the loop: CPython's SystemExit also propagates out
  // of run_briefly(); here it is only stored in the task (a struct not derived from
  // std::exception stands in for it).
  auto loop = ::loop();
  auto sleeper = []() -> awaitable<void> { co_await asyncio::sleep(10); };
  auto notmutch = [&]() -> awaitable<void> {
    try {
      co_await sleeper();
    } catch (const asyncio::CancelledError&) {
      throw SystemExit{};
    }
  };

  auto task = loop->create_task(notmutch());
  run_briefly(*loop);

  task.cancel();
  EXPECT_FALSE(task.done());

  EXPECT_NO_THROW(run_briefly(*loop));

  EXPECT_TRUE(task.done());
  EXPECT_FALSE(task.cancelled());
  EXPECT_THROW(std::rethrow_exception(task.exception()), SystemExit);
  EXPECT_EQ(loop->time(), 0.0);
}

TEST(BaseTaskTests, test_coroutine_non_gen_function) {
  auto loop = ::loop();
  auto func = []() -> awaitable<std::string> { co_return "test"; };
  auto coro = func();
  EXPECT_EQ(loop->run_until_complete(std::move(coro)), "test");
}

TEST(BaseTaskTests, test_coroutine_non_gen_function_return_future) {
  auto loop = ::loop();
  auto fut = loop->create_future<std::string>();
  auto func = [&]() -> awaitable<asyncio::Future<std::string>> { co_return fut; };
  auto coro = [&]() -> awaitable<void> {
    fut.set_result("test");
    co_return;
  };

  auto t1 = loop->create_task(func());
  auto t2 = loop->create_task(coro());
  auto res = loop->run_until_complete(t1);
  EXPECT_TRUE(res == fut);
  EXPECT_TRUE(t2.done());
  EXPECT_NO_THROW(t2.result());
}

TEST(BaseTaskTests, test_current_task) {
  // CPython also checks current_task(loop=self.loop) is None outside the loop: there is no
  // current_task(loop) here (see BaseCurrentLoopTests.test_current_task_no_running_loop_implicit).
  auto loop = ::loop();
  asyncio::Task<void> task;
  auto coro = [&]() -> awaitable<void> {
    EXPECT_TRUE(asyncio::current_task() == task);
    EXPECT_TRUE(asyncio::current_task() == task);
    co_return;
  };

  task = loop->create_task(coro());
  loop->run_until_complete(task);
}

TEST(BaseTaskTests, test_current_task_with_interleaving_tasks) {
  auto loop = ::loop();
  auto fut1 = loop->create_future<bool>();
  auto fut2 = loop->create_future<bool>();
  asyncio::Task<void> task1, task2;

  auto coro1 = [&]() -> awaitable<void> {
    EXPECT_TRUE(asyncio::current_task() == task1);
    co_await fut1;
    EXPECT_TRUE(asyncio::current_task() == task1);
    fut2.set_result(true);
  };
  auto coro2 = [&]() -> awaitable<void> {
    EXPECT_TRUE(asyncio::current_task() == task2);
    fut1.set_result(true);
    co_await fut2;
    EXPECT_TRUE(asyncio::current_task() == task2);
  };

  task1 = loop->create_task(coro1());
  task2 = loop->create_task(coro2());

  // Python: loop.run_until_complete(asyncio.wait((task1, task2)))
  auto wait_both = [&]() -> awaitable<void> {
    co_await wait_done(task1);
    co_await wait_done(task2);
  };
  loop->run_until_complete(wait_both());
  EXPECT_TRUE(task1.done());
  EXPECT_TRUE(task2.done());
}

// Some thorough tests for cancellation propagation through coroutines, tasks and wait().

TEST(BaseTaskTests, test_yield_future_passes_cancel) {
  // Cancelling outer() cancels inner() cancels waiter.
  auto loop = ::loop();
  int proof = 0;
  auto waiter = loop->create_future<void>();

  auto inner = [&]() -> awaitable<void> {
    try {
      co_await waiter;
    } catch (const asyncio::CancelledError&) {
      proof += 1;
      throw;
    }
    ADD_FAILURE() << "got past sleep() in inner()";
  };
  auto outer = [&]() -> awaitable<void> {
    bool raised = false;
    try {
      co_await inner();
    } catch (const asyncio::CancelledError&) {
      proof += 100;  // Expect this path.
      raised = true;
    }
    if (!raised) proof += 10;
  };

  auto f = loop->create_task(outer());
  run_briefly(*loop);
  f.cancel();
  loop->run_until_complete(f);
  EXPECT_EQ(proof, 101);
  EXPECT_TRUE(waiter.cancelled());
}

TEST(BaseTaskTests, test_log_destroyed_pending_task) {
  // C++ difference (SPEC: the loop keeps a running task alive even when every handle is
  // dropped): where CPython's GC destroys the pending task, logs "Task was destroyed but it
  // is pending!" and drops it from all_tasks(), here it stays registered and unreported.
  auto loop = ::loop();
  std::vector<asyncio::ExceptionContext> reports;
  loop->set_debug(true);
  loop->set_exception_handler(
      [&](asyncio::EventLoop&, const asyncio::ExceptionContext& c) { reports.push_back(c); });

  auto kill_me = []() -> awaitable<void> {
    asyncio::Future<void> future;
    co_await future;
    // at this point, the only reference to kill_me() task is the loop's
    throw std::runtime_error("code never reached");
  };

  // schedule the task
  auto task = loop->create_task(kill_me());
  EXPECT_EQ(asyncio::all_tasks(*loop), std::vector<asyncio::AnyTask>{task});

  // execute the task so it waits for future (Python: loop._run_once())
  loop->stop();
  loop->run_forever();
  EXPECT_FALSE(task.done());
  EXPECT_NE(asyncio::detail::HandleAccess::core(task)->fut_waiter(),
            nullptr);  // White-box: suspended on its future
  const std::string name = task.get_name();

  task = {};  // no more handles to the task
  auto remaining = asyncio::all_tasks(*loop);
  EXPECT_EQ(remaining.size(), 1u);
  if (!remaining.empty()) {
    EXPECT_EQ(remaining[0].get_name(), name);
  }
  EXPECT_TRUE(reports.empty());
  remaining.clear();

  loop->close();
  EXPECT_TRUE(asyncio::all_tasks(*loop).empty());
  loop->set_exception_handler({});
}

TEST(BaseTaskTests, test_tb_logger_not_called_after_cancel) {
  auto loop = ::loop();
  int handler_calls = 0;
  loop->set_exception_handler(
      [&](asyncio::EventLoop&, const asyncio::ExceptionContext&) { ++handler_calls; });

  auto coro = []() -> awaitable<void> {
    throw std::runtime_error("TypeError");
    co_return;
  };
  auto runner = [&]() -> awaitable<void> {
    auto task = asyncio::create_task(coro());
    co_await asyncio::sleep(0.05);
    task.cancel();
    task = {};
  };

  loop->run_until_complete(runner());
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(loop->time(), 0.05);
  loop->set_exception_handler({});
}

TEST(BaseTaskTests, test_exception_traceback) {
  // See http://bugs.python.org/issue28843 (C++: the exception is there, as an exception_ptr)
  auto loop = ::loop();
  auto foo = []() -> awaitable<void> {
    throw std::domain_error("division by zero");
    co_return;
  };
  auto main = [&]() -> awaitable<void> {
    auto task = asyncio::create_task(foo());
    co_await asyncio::sleep(0);  // skip one loop iteration
    EXPECT_TRUE(task.exception() != nullptr);
    EXPECT_THROW(std::rethrow_exception(task.exception()), std::domain_error);
  };
  loop->run_until_complete(main());
}

ASYNCIO_TEST(BaseTaskTests, test_create_task_with_async_function) {
  auto coro = []() -> awaitable<void> { co_return; };

  auto task = asyncio::create_task(coro());
  static_assert(std::is_same_v<decltype(task), asyncio::Task<void>>);
  co_await task;
  EXPECT_TRUE(task.done());

  // test it for the second time
  task = asyncio::create_task(coro());
  co_await task;
  EXPECT_TRUE(task.done());
}

ASYNCIO_TEST(BaseTaskTests, test_bare_create_task) {
  auto inner = []() -> awaitable<int> { co_return 1; };
  auto task = asyncio::create_task(inner());
  static_assert(std::is_same_v<decltype(task), asyncio::Task<int>>);
  int ret = co_await task;
  EXPECT_EQ(ret, 1);
}

ASYNCIO_TEST(BaseTaskTests, test_bare_create_named_task) {
  auto coro_noop = []() -> awaitable<void> { co_return; };
  auto task = asyncio::create_task(coro_noop(), "No-op");
  EXPECT_EQ(task.get_name(), "No-op");
  co_await task;
}

// --- BaseCurrentLoopTests ------------------------------------------------------------------

TEST(BaseCurrentLoopTests, test_current_task_no_running_loop_implicit) {
  EXPECT_TRUE(
      raises<asyncio::RuntimeError>([] { asyncio::current_task(); }, "no running event loop"));
}

TEST(BaseCurrentLoopTests, test_current_task_with_implicit_loop) {
  auto loop = ::loop();
  asyncio::Task<void> task;
  auto coro = [&]() -> awaitable<void> {
    EXPECT_TRUE(asyncio::current_task() == task);
    co_return;
  };
  task = loop->create_task(coro());
  loop->run_until_complete(task);
}

// --- SleepTests ----------------------------------------------------------------------------

ASYNCIO_TEST(SleepTests, test_sleep_zero) {
  int result = 0;
  auto inc_result = [&result](int num) { result += num; };

  asyncio::get_running_loop().call_soon(inc_result, 1);
  EXPECT_EQ(result, 0);
  co_await asyncio::sleep(0);  // Python: num = await asyncio.sleep(0, result=10)
  EXPECT_EQ(result, 1);        // inc'ed by call_soon
  inc_result(10);
  EXPECT_EQ(result, 11);
  EXPECT_EQ(now(), 0.0);
}

// --- C++-only: what the brief asks for that test_tasks.py checks only in passing ----------

ASYNCIO_TEST(CppTaskTests, UnretrievedExceptionGoesToTheExceptionHandler) {
  // Python: "Task exception was never retrieved", reported when the task is destroyed.
  auto& loop = asyncio::get_running_loop();
  std::vector<asyncio::ExceptionContext> reports;
  loop.set_exception_handler(
      [&](asyncio::EventLoop&, const asyncio::ExceptionContext& c) { reports.push_back(c); });
  auto bad = []() -> awaitable<int> {
    throw asyncio::ValueError("lost");
    co_return 0;
  };

  {
    auto t = asyncio::create_task(bad(), "lost-task");
    co_await asyncio::sleep(0);
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(reports.empty());  // not while a handle remains
  }
  CO_ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].message, "Task exception was never retrieved");
  EXPECT_TRUE(std::regex_match(
      reports[0].object,
      std::regex("<Task finished name='lost-task'( coro=<.*>)? exception=.*lost.*>")))
      << reports[0].object;
  EXPECT_TRUE(
      raises<asyncio::ValueError>([&] { std::rethrow_exception(reports[0].exception); }, "^lost$"));

  // Retrieved through exception(), result() or co_await: not reported.
  {
    auto t = asyncio::create_task(bad());
    co_await asyncio::sleep(0);
    EXPECT_TRUE(t.exception() != nullptr);
  }
  {
    auto t = asyncio::create_task(bad());
    co_await asyncio::sleep(0);
    EXPECT_THROW(t.result(), asyncio::ValueError);
  }
  try {
    co_await asyncio::create_task(bad());
    ADD_FAILURE() << "expected ValueError";
  } catch (const asyncio::ValueError&) {
  }
  EXPECT_EQ(reports.size(), 1u);
  loop.set_exception_handler({});
}

ASYNCIO_TEST(CppTaskTests, SeveralAwaitersOfOneTask) {
  // Every awaiter gets the result (or the exception), woken in the order they awaited.
  std::vector<std::string> res;
  auto inner = []() -> awaitable<int> {
    co_await asyncio::sleep(1);
    co_return 7;
  };
  auto t = asyncio::create_task(inner());
  auto w = [&](int i) -> awaitable<void> {
    int v = co_await t;
    res.push_back(std::to_string(i) + ":" + std::to_string(v));
  };
  std::vector<asyncio::Task<void>> ws;
  for (int i = 0; i < 3; ++i) ws.push_back(asyncio::create_task(w(i)));
  for (auto& x : ws) co_await x;
  EXPECT_EQ(res, (std::vector<std::string>{"0:7", "1:7", "2:7"}));
  EXPECT_EQ(now(), 1.0);
  EXPECT_EQ(t.result(), 7);  // still there after being awaited

  auto bad = []() -> awaitable<void> {
    co_await asyncio::sleep(1);
    throw asyncio::ValueError("boom");
  };
  auto b = asyncio::create_task(bad());
  auto wb = [&](int i) -> awaitable<void> {
    try {
      co_await b;
    } catch (const asyncio::ValueError& e) {
      res.push_back(std::to_string(i) + ":" + e.what());
    }
  };
  ws.clear();
  for (int i = 0; i < 2; ++i) ws.push_back(asyncio::create_task(wb(i)));
  for (auto& x : ws) co_await x;
  EXPECT_EQ(res, (std::vector<std::string>{"0:7", "1:7", "2:7", "0:boom", "1:boom"}));
  EXPECT_EQ(now(), 2.0);
}

ASYNCIO_TEST(CppTaskTests, CancelMessagePropagatesThroughAwaitedTask) {
  // Cancelling a task that awaits another task cancels that one, with the same message.
  std::vector<std::string> got;
  auto inner = [&]() -> awaitable<void> {
    try {
      co_await asyncio::sleep(10);
    } catch (const asyncio::CancelledError& e) {
      got.push_back(std::string("inner:") + e.what());
      throw;
    }
  };
  auto it = asyncio::create_task(inner());
  auto outer = [&]() -> awaitable<void> {
    try {
      co_await it;
    } catch (const asyncio::CancelledError& e) {
      got.push_back(std::string("outer:") + e.what());
      throw;
    }
  };
  auto ot = asyncio::create_task(outer());
  co_await asyncio::sleep(0);
  ot.cancel("stop now");
  try {
    co_await ot;
    ADD_FAILURE() << "expected CancelledError";
  } catch (const asyncio::CancelledError& e) {
    got.push_back(std::string("main:") + e.what());
  }
  EXPECT_EQ(got, (std::vector<std::string>{"inner:stop now", "outer:stop now", "main:stop now"}));
  EXPECT_TRUE(it.cancelled());
  EXPECT_TRUE(ot.cancelled());
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(CppTaskTests, SleepNegativeDelayYieldsOnce) {
  // Python: sleep(delay <= 0) is sleep(0): exactly one trip through the loop.
  auto& loop = asyncio::get_running_loop();
  for (int round = 0; round < 2; ++round) {
    std::vector<std::string> order;
    loop.call_soon([&] {
      order.push_back("cb1");
      loop.call_soon([&] { order.push_back("cb2"); });
    });
    if (round == 0) {
      co_await asyncio::sleep(-1);
    } else {
      co_await asyncio::sleep(-1s);
    }
    order.push_back("after");
    co_await yield_briefly();
    EXPECT_EQ(order, (std::vector<std::string>{"cb1", "after", "cb2"})) << "round " << round;
  }
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(CppTaskTests, DoneCallbacks) {
  // add_done_callback: called with the task, through the loop (not at once), in the order
  // added, interleaved with awaiters; remove_done_callback; adding to a done task.
  std::vector<std::string> order;
  auto work = []() -> awaitable<int> {
    co_await asyncio::sleep(1);
    co_return 5;
  };
  auto t = asyncio::create_task(work(), "worker");
  auto cb = [&](std::string name) {
    return [&order, &t, name](asyncio::Task<int> task) {
      EXPECT_TRUE(task == t);
      EXPECT_EQ(task.result(), 5);
      EXPECT_EQ(now(), 1.0);
      order.push_back(name);
    };
  };
  t.add_done_callback(cb("a"));
  auto b = t.add_done_callback(cb("b"));
  t.add_done_callback(cb("c"));
  EXPECT_EQ(t.remove_done_callback(b), 1u);
  EXPECT_EQ(t.remove_done_callback(b), 0u);
  auto waiter = [&]() -> awaitable<void> {
    int v = co_await t;
    order.push_back("waiter:" + std::to_string(v));
  };
  auto w = asyncio::create_task(waiter());
  t.add_done_callback(cb("d"));
  co_await t;
  order.push_back("main");
  EXPECT_EQ(order, (std::vector<std::string>{"a", "c", "d", "main"}));
  co_await asyncio::sleep(0);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "c", "d", "main", "waiter:5"}));

  // On a done task the callback is scheduled with call_soon, not called at once.
  t.add_done_callback(cb("late"));
  EXPECT_EQ(order.back(), "waiter:5");
  co_await asyncio::sleep(0);
  EXPECT_EQ(order.back(), "late");

  // The AnyTask overload receives the type-erased handle.
  asyncio::AnyTask seen;
  asyncio::AnyTask(t).add_done_callback([&](asyncio::AnyTask any) { seen = any; });
  co_await asyncio::sleep(0);
  EXPECT_TRUE(seen == t);
  co_await w;
}

ASYNCIO_TEST(CppTaskTests, AllTasksAndCurrentTask) {
  // all_tasks(): the unfinished tasks (the current one included), in creation order;
  // current_task() is null in a plain callback.
  auto main = asyncio::current_task();
  CO_ASSERT_TRUE(main);
  EXPECT_EQ(asyncio::all_tasks(), std::vector<asyncio::AnyTask>{main});

  auto a = asyncio::create_task(asyncio::sleep(1));
  auto b = asyncio::create_task(asyncio::sleep(2));
  EXPECT_EQ(asyncio::all_tasks(), (std::vector<asyncio::AnyTask>{main, a, b}));
  co_await a;
  EXPECT_EQ(asyncio::all_tasks(), (std::vector<asyncio::AnyTask>{main, b}));
  EXPECT_EQ(asyncio::all_tasks(asyncio::get_running_loop()), asyncio::all_tasks());

  bool called = false;
  asyncio::AnyTask in_callback = main;
  asyncio::get_running_loop().call_soon([&] {
    called = true;
    in_callback = asyncio::current_task();
  });
  co_await asyncio::sleep(0);
  EXPECT_TRUE(called);
  EXPECT_FALSE(in_callback);
  EXPECT_TRUE(asyncio::current_task() == main);

  co_await b;
  EXPECT_EQ(asyncio::all_tasks(), std::vector<asyncio::AnyTask>{main});
  EXPECT_EQ(now(), 2.0);
}

ASYNCIO_TEST(CppTaskTests, PendingTaskResultAndCancelCounts) {
  auto work = []() -> awaitable<int> {
    co_await asyncio::sleep(1);
    co_return 1;
  };
  auto t = asyncio::create_task(work());
  // Python 3.13: InvalidStateError('Result is not set.') / ('Exception is not set.')
  EXPECT_TRUE(raises<asyncio::InvalidStateError>([&] { t.result(); }, "^Result is not set\\.$"));
  EXPECT_TRUE(
      raises<asyncio::InvalidStateError>([&] { t.exception(); }, "^Exception is not set\\.$"));

  EXPECT_TRUE(t.cancel());
  EXPECT_EQ(t.cancelling(), 1);
  EXPECT_TRUE(t.cancel());
  EXPECT_EQ(t.cancelling(), 2);
  try {
    co_await t;
    ADD_FAILURE() << "expected CancelledError";
  } catch (const asyncio::CancelledError&) {
  }
  EXPECT_EQ(t.cancelling(), 2);  // the count stays after the task is done
  EXPECT_EQ(t.uncancel(), 1);
  EXPECT_EQ(t.cancelling(), 1);
  EXPECT_TRUE(t.cancelled());
  EXPECT_THROW(t.result(), asyncio::CancelledError);
  EXPECT_THROW(t.exception(), asyncio::CancelledError);
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(CppTaskTests, CancelTaskAwaitingAsioOperation) {
  // An Asio operation awaited in a task is cancelled through its cancellation slot: the
  // coroutine sees system_error(operation_aborted), the task still ends as cancelled.
  auto& loop = asyncio::get_running_loop();
  bool aborted = false;
  auto body = [&]() -> awaitable<void> {
    boost::asio::steady_timer timer(loop.get_io_context(), std::chrono::hours(1));
    try {
      co_await timer.async_wait(asyncio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      aborted = e.code() == boost::asio::error::operation_aborted;
      throw;
    }
  };
  auto t = asyncio::create_task(body());
  co_await asyncio::sleep(0);
  EXPECT_TRUE(t.cancel("asio"));
  try {
    co_await t;
    ADD_FAILURE() << "expected CancelledError";
  } catch (const asyncio::CancelledError& e) {
    EXPECT_EQ(e.message(), "asio");
  }
  EXPECT_TRUE(aborted);
  EXPECT_TRUE(t.cancelled());
  EXPECT_EQ(now(), 0.0);
}

// --- TaskCppTests: deep nests (no CPython twin; CPython raises RecursionError) -------------

namespace {
// A million levels in an optimized build. Unwinding them throws a CancelledError per level,
// several microseconds each without optimization, so the debug and sanitizer builds take a
// quarter and a tenth of that: still ten times deeper than recursion survived.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kDeepNest = 100'000;
#elif defined(__OPTIMIZE__)
constexpr int kDeepNest = 1'000'000;
#else
constexpr int kDeepNest = 250'000;
#endif

// nest(n) = gather(nest(n - 1)); the innermost sleeps for an hour.
awaitable<void> gather_nest(int n, int& innermost) {
  if (n == 0) {
    ++innermost;
    co_await asyncio::sleep(3600);
    co_return;
  }
  co_await asyncio::gather(gather_nest(n - 1, innermost));
}

// A chain of tasks, each awaiting the next.
awaitable<void> task_chain(int n, int& innermost) {
  if (n == 0) {
    ++innermost;
    co_await asyncio::sleep(3600);
    co_return;
  }
  co_await asyncio::create_task(task_chain(n - 1, innermost));
}
}  // namespace

// Cancelling the outer task reaches every level without recursing once per level.
ASYNCIO_TEST(TaskCppTests, CancelGatherNestAMillionDeep) {
  int innermost = 0;
  auto outer = asyncio::create_task(gather_nest(kDeepNest, innermost));
  co_await asyncio::sleep(1);  // every level is running (virtual time: no wait)
  CO_ASSERT_EQ(innermost, 1);
  EXPECT_TRUE(outer.cancel("deep"));
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(outer));
  EXPECT_TRUE(outer.cancelled());
  EXPECT_EQ(now(), 1.0);
}

ASYNCIO_TEST(TaskCppTests, CancelTaskChainAMillionDeep) {
  int innermost = 0;
  auto outer = asyncio::create_task(task_chain(kDeepNest, innermost));
  co_await asyncio::sleep(1);
  CO_ASSERT_EQ(innermost, 1);
  EXPECT_TRUE(outer.cancel());
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(outer));
  EXPECT_TRUE(outer.cancelled());
  EXPECT_EQ(now(), 1.0);
}

// The walk visits the nest depth first, as recursion would: the leaves of a gather of two
// chains are cancelled (and so resume) left chain first.
ASYNCIO_TEST(TaskCppTests, CancelReachesNestedWaitsInRecursionOrder) {
  std::vector<std::string> order;
  auto leaf = [](std::vector<std::string>& out, std::string name) -> awaitable<void> {
    try {
      co_await asyncio::sleep(10);
    } catch (const asyncio::CancelledError&) {
      out.push_back(name);
      throw;
    }
  };
  auto pair = [&](std::string a, std::string b) -> awaitable<void> {
    co_await asyncio::gather(leaf(order, a), leaf(order, b));
  };
  auto both = [&]() -> awaitable<void> {
    co_await asyncio::gather(pair("a1", "a2"), pair("b1", "b2"));
  };
  auto outer = asyncio::create_task(both());
  co_await asyncio::sleep(1);
  outer.cancel();
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(outer));
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "b1", "b2"}));
}
