// C++ only (no CPython twin): Asio operations inside asyncio tasks, and asyncio awaitables
// inside Asio code.
//
// Real Asio timers run on real time, so they are kept to 1 ms or cancelled long before they
// would fire; no test depends on how long anything took.
#include <asyncio/awaitable.hpp>

#include "asyncio_test.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using asyncio::testing::now;

// The loop's executor is an Asio executor, usable wherever Asio takes one.
static_assert(boost::asio::execution::is_executor<asyncio::EventLoop::executor_type>::value);
static_assert(
    std::is_constructible_v<boost::asio::any_io_executor, asyncio::EventLoop::executor_type>);
static_assert(std::is_same_v<asyncio::awaitable<int>, boost::asio::awaitable<int>>);
// asyncio awaitables are Asio async operations: they take any completion token.
static_assert(boost::asio::is_async_operation<asyncio::Task<int>>::value);
static_assert(boost::asio::is_async_operation<asyncio::Future<int>>::value);
static_assert(boost::asio::is_async_operation<asyncio::Future<void>>::value);
// ... completing with (std::exception_ptr, T), or (std::exception_ptr) for void.
static_assert(std::is_same_v<boost::asio::completion_signature_of_t<asyncio::Task<int>>,
                             void(std::exception_ptr, int)>);
static_assert(std::is_same_v<boost::asio::completion_signature_of_t<asyncio::Future<void>>,
                             void(std::exception_ptr)>);

// A coroutine function (a callable returning an awaitable or an asyncio operation) is taken
// where an awaitable is: the task it becomes keeps it, and so its captures, alive.
static_assert(
    std::is_same_v<decltype(asyncio::create_task([]() -> asyncio::awaitable<int> { co_return 1; })),
                   asyncio::Task<int>>);
static_assert(
    std::is_same_v<decltype(asyncio::create_task([] { return asyncio::sleep(1); }, "sleeper")),
                   asyncio::Task<void>>);
static_assert(
    std::is_same_v<decltype(std::declval<asyncio::EventLoop&>().create_task(
                       []() -> asyncio::awaitable<std::unique_ptr<int>> { co_return nullptr; })),
                   asyncio::Task<std::unique_ptr<int>>>);
static_assert(std::is_same_v<decltype(std::declval<asyncio::TaskGroup&>().create_task(
                                 []() -> asyncio::awaitable<void> { co_return; })),
                             asyncio::Task<void>>);
static_assert(
    std::is_same_v<decltype(asyncio::gather([]() -> asyncio::awaitable<int> { co_return 1; },
                                            std::declval<asyncio::awaitable<void>>())),
                   asyncio::Future<std::tuple<int, std::monostate>>>);
static_assert(
    std::is_same_v<decltype(asyncio::gather(
                       std::declval<std::vector<std::function<asyncio::awaitable<int>()>>>())),
                   asyncio::Future<std::vector<int>>>);
static_assert(std::is_same_v<decltype(asyncio::shield([]() -> asyncio::awaitable<std::string> {
                               co_return "";
                             })),
                             asyncio::Future<std::string>>);
static_assert(std::is_same_v<
              decltype(asyncio::wait_for([]() -> asyncio::awaitable<int> { co_return 1; }, 1.0)),
              asyncio::awaitable<int>>);
// Only callables taking no arguments and returning an awaitable or an operation qualify: any
// other callable stops the build with a message of its own (not checkable here: it is a
// static_assert), and a Task or Future is no callable.
static_assert(!asyncio::detail::coroutine_function<decltype([] { return 1; })>);
static_assert(!asyncio::detail::coroutine_function<decltype([](int) -> asyncio::awaitable<void> {
  co_return;
})>);
static_assert(!asyncio::detail::coroutine_function<asyncio::Task<int>>);
static_assert(!asyncio::detail::coroutine_function<asyncio::Future<int>>);

namespace {

using asyncio::awaitable;

/// Under virtual time, a wait that nothing would ever end makes the clock jump to this
/// timer: `rescue` then ends the wait and `fired` records that the test failed, instead of a
/// hang. Use it only while everything awaited is already complete or cancelled in Asio's
/// queue (a real timer still running would let the clock jump past it).
class Watchdog {
 public:
  Watchdog(double after, std::function<void()> rescue)
      : handle_(asyncio::get_running_loop().call_later(after, [this, rescue = std::move(rescue)] {
          fired = true;
          rescue();
        })) {}
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() { handle_.cancel(); }

  bool fired = false;

 private:
  asyncio::TimerHandle handle_;
};

bool is_operation_aborted(const boost::system::system_error& e) {
  return e.code() == boost::asio::error::operation_aborted;
}

using asyncio::holds;

awaitable<int> value_after(double delay, int value) {
  co_await asyncio::sleep(delay);
  co_return value;
}

awaitable<int> raise_after(double delay) {
  co_await asyncio::sleep(delay);
  throw asyncio::ValueError("boom");
}

/// Waits for `timer` in an Asio operation; logs how the wait ended, then lets it propagate.
awaitable<void> wait_on_timer(boost::asio::steady_timer& timer, std::vector<std::string>& log) {
  try {
    co_await timer.async_wait(asyncio::use_awaitable);
    log.push_back("fired");
  } catch (const boost::system::system_error& e) {
    log.push_back(is_operation_aborted(e) ? "operation_aborted" : e.what());
    throw;
  }
}

}  // namespace

// --- Asio operations inside tasks ----------------------------------------------------------

ASYNCIO_TEST(InteropTests, SteadyTimerAwaitedInsideTask) {
  auto& loop = asyncio::get_running_loop();
  auto body = [](asyncio::EventLoop& l) -> awaitable<std::string> {
    boost::asio::steady_timer timer(l.get_io_context());
    timer.expires_after(1ms);
    co_await timer.async_wait(asyncio::use_awaitable);
    co_return "fired";
  };
  auto t = asyncio::create_task(body(loop));
  EXPECT_EQ(co_await t, "fired");
  // Directly in the test's own task as well.
  boost::asio::steady_timer timer(loop.get_io_context(), 1ms);
  co_await timer.async_wait(asyncio::use_awaitable);
}

ASYNCIO_TEST(InteropTests, PostAwaitedInsideTask) {
  auto& loop = asyncio::get_running_loop();
  std::vector<std::string> order;
  loop.call_soon([&order] { order.push_back("callback"); });
  // Through the io_context, through the loop's executor, and through the task's own.
  co_await boost::asio::post(loop.get_io_context(), asyncio::use_awaitable);
  order.push_back("io_context");
  co_await boost::asio::post(loop.get_executor(), asyncio::use_awaitable);
  order.push_back("loop executor");
  co_await boost::asio::post(co_await asyncio::this_coro::executor, asyncio::use_awaitable);
  order.push_back("task executor");
  EXPECT_EQ(order,
            (std::vector<std::string>{"callback", "io_context", "loop executor", "task executor"}));
}

ASYNCIO_TEST(InteropTests, CancellingTaskCancelsItsAsioOperation) {
  auto& loop = asyncio::get_running_loop();
  boost::asio::steady_timer timer(loop.get_io_context(), std::chrono::hours(1));
  std::vector<std::string> log;
  auto t = asyncio::create_task(wait_on_timer(timer, log));
  co_await asyncio::testing::yield_briefly();  // t starts and suspends in async_wait
  EXPECT_FALSE(t.done());

  Watchdog watchdog(60, [&timer] { timer.cancel(); });
  EXPECT_TRUE(t.cancel("stop waiting"));
  bool raised = false;
  try {
    co_await t;
  } catch (const asyncio::CancelledError&) {
    raised = true;
  } catch (const boost::system::system_error& e) {
    ADD_FAILURE() << "awaiting the task raised system_error: " << e.what();
  }
  EXPECT_FALSE(watchdog.fired) << "task.cancel() did not cancel the Asio operation";
  EXPECT_TRUE(raised);
  EXPECT_TRUE(t.cancelled());
  // Inside the coroutine the cancellation was Asio's own error.
  EXPECT_EQ(log, std::vector<std::string>{"operation_aborted"});
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(InteropTests, CancelledAsioOperationMayBeSwallowed) {
  auto& loop = asyncio::get_running_loop();
  boost::asio::steady_timer timer(loop.get_io_context(), std::chrono::hours(1));
  auto body = [](boost::asio::steady_timer& tm) -> awaitable<std::string> {
    try {
      co_await tm.async_wait(asyncio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      if (is_operation_aborted(e)) co_return "swallowed";
      throw;
    }
    co_return "fired";
  };
  auto t = asyncio::create_task(body(timer));
  co_await asyncio::testing::yield_briefly();
  Watchdog watchdog(60, [&timer] { timer.cancel(); });
  t.cancel();
  // As in Python, a task may swallow its cancellation and return a value.
  EXPECT_EQ(co_await t, "swallowed");
  EXPECT_FALSE(watchdog.fired) << "task.cancel() did not cancel the Asio operation";
  EXPECT_FALSE(t.cancelled());
  EXPECT_EQ(t.cancelling(), 1);
}

ASYNCIO_TEST(InteropTests, TaskCancelledWhileRunningHasItsNextAsioOperationCancelled) {
  auto& loop = asyncio::get_running_loop();
  boost::asio::steady_timer timer(loop.get_io_context(), std::chrono::hours(1));
  std::vector<std::string> log;
  auto body = [](boost::asio::steady_timer& tm, std::vector<std::string>& out) -> awaitable<void> {
    // Python: a task cancelled while it runs gets CancelledError at its next await.
    EXPECT_TRUE(asyncio::current_task().cancel());
    out.push_back("cancel requested");
    co_await wait_on_timer(tm, out);
  };
  auto t = asyncio::create_task(body(timer, log));
  Watchdog watchdog(60, [&timer] { timer.cancel(); });
  try {
    co_await t;
    ADD_FAILURE() << "the task was not cancelled";
  } catch (const asyncio::CancelledError&) {
  }
  EXPECT_FALSE(watchdog.fired) << "the Asio operation awaited after cancel() was not cancelled";
  EXPECT_TRUE(t.cancelled());
  EXPECT_EQ(log, (std::vector<std::string>{"cancel requested", "operation_aborted"}));
}

// A task's steps all run with current_task() set, those resumed by Asio completions too.
ASYNCIO_TEST(InteropTests, CurrentTaskAfterAsioCompletionIsThatTask) {
  auto body = []() -> awaitable<std::vector<bool>> {
    auto& l = asyncio::get_running_loop();
    asyncio::AnyTask me = asyncio::current_task();
    std::vector<bool> same;
    co_await boost::asio::post(l.get_io_context(), asyncio::use_awaitable);
    same.push_back(asyncio::current_task() == me);
    boost::asio::steady_timer timer(l.get_io_context(), 1ms);
    co_await timer.async_wait(asyncio::use_awaitable);
    same.push_back(asyncio::current_task() == me);
    co_await boost::asio::post(l.get_executor(), asyncio::use_awaitable);
    same.push_back(asyncio::current_task() == me);
    same.push_back(static_cast<bool>(me));
    co_return same;
  };
  auto t = asyncio::create_task(body());
  auto same = co_await t;
  EXPECT_EQ(same, (std::vector<bool>{true, true, true, true}));
  // And current_task() was t, not the awaiting test task.
  auto check = [](asyncio::Task<void>* self) -> awaitable<void> {
    co_await boost::asio::post(asyncio::get_running_loop().get_io_context(),
                               asyncio::use_awaitable);
    EXPECT_TRUE(asyncio::current_task() == *self);
  };
  asyncio::Task<void> t2;
  t2 = asyncio::create_task(check(&t2));
  co_await t2;
}

// --- asyncio awaitables inside Asio coroutines ---------------------------------------------

namespace {

/// A plain Asio coroutine (not a task) awaiting asyncio awaitables, named and temporary.
awaitable<int> spawned(asyncio::Task<int> task, asyncio::Future<int> fut,
                       std::vector<std::string>& log) {
  log.push_back(asyncio::current_task() ? "in a task" : "no task");
  co_await asyncio::sleep(0.5);
  log.push_back("slept " + std::to_string(now()));
  const int a = co_await task;                                         // named
  const int b = co_await fut;                                          // named
  const int c = co_await asyncio::create_task(value_after(0.5, 100));  // temporary
  const int d = co_await asyncio::Future<int>(fut);                    // temporary
  boost::asio::steady_timer timer(asyncio::get_running_loop().get_io_context(), 1ms);
  co_await timer.async_wait(asyncio::use_awaitable);  // and Asio's own operations
  co_return a + b + c + d;
}

/// Completes `result` from a co_spawn completion.
template <typename T>
auto complete(asyncio::Future<T> result) {
  return [result](std::exception_ptr e, T v) mutable {
    if (e) {
      result.set_exception(e);
    } else {
      result.set_result(std::move(v));
    }
  };
}

}  // namespace

ASYNCIO_TEST(InteropTests, AsyncioAwaitablesInsideCoSpawnOnLoopExecutor) {
  auto& loop = asyncio::get_running_loop();
  std::vector<std::string> log;
  auto task = asyncio::create_task(value_after(1.0, 40));
  asyncio::Future<int> fut;
  asyncio::Future<int> result;
  loop.call_later(2.0, [fut]() mutable { fut.set_result(1); });
  boost::asio::co_spawn(loop.get_executor(), spawned(task, fut, log), complete(result));
  EXPECT_EQ(co_await result, 40 + 1 + 100 + 1);
  EXPECT_EQ(log, (std::vector<std::string>{"no task", "slept " + std::to_string(0.5)}));
  EXPECT_EQ(now(), 2.5);
}

ASYNCIO_TEST(InteropTests, AsyncioAwaitablesInsideCoSpawnOnIoContext) {
  auto& loop = asyncio::get_running_loop();
  std::vector<std::string> log;
  auto task = asyncio::create_task(value_after(1.0, 40));
  asyncio::Future<int> fut;
  asyncio::Future<int> result;
  loop.call_later(2.0, [fut]() mutable { fut.set_result(1); });
  boost::asio::co_spawn(loop.get_io_context(), spawned(task, fut, log), complete(result));
  EXPECT_EQ(co_await result, 40 + 1 + 100 + 1);
  EXPECT_EQ(log, (std::vector<std::string>{"no task", "slept " + std::to_string(0.5)}));
  EXPECT_EQ(now(), 2.5);
}

// An exception (and a cancellation) comes out of co_await inside a plain Asio coroutine too.
ASYNCIO_TEST(InteropTests, AsyncioErrorsInsideCoSpawn) {
  auto& loop = asyncio::get_running_loop();
  auto body = [](asyncio::Task<int> bad, asyncio::Future<int> cancelled) -> awaitable<int> {
    int caught = 0;
    try {
      co_await bad;
    } catch (const asyncio::ValueError& e) {
      EXPECT_STREQ(e.what(), "boom");
      ++caught;
    }
    try {
      co_await cancelled;
    } catch (const asyncio::CancelledError& e) {
      EXPECT_STREQ(e.what(), "bye");
      ++caught;
    }
    co_return caught;
  };
  auto bad = asyncio::create_task(raise_after(0.1));
  asyncio::Future<int> cancelled;
  loop.call_later(0.2, [cancelled]() mutable { cancelled.cancel("bye"); });
  asyncio::Future<int> result;
  boost::asio::co_spawn(loop.get_executor(), body(bad, cancelled), complete(result));
  EXPECT_EQ(co_await result, 2);
}

// A task can await an Asio coroutine spawned on the loop, through use_awaitable.
ASYNCIO_TEST(InteropTests, TaskAwaitsCoSpawnWithUseAwaitable) {
  auto& loop = asyncio::get_running_loop();
  auto body = []() -> awaitable<int> { co_return co_await value_after(0.25, 5); };
  const int v = co_await boost::asio::co_spawn(loop.get_executor(), body(), asyncio::use_awaitable);
  EXPECT_EQ(v, 5);
  EXPECT_EQ(now(), 0.25);
}

// --- named and temporary handles -----------------------------------------------------------

ASYNCIO_TEST(InteropTests, AwaitNamedAndTemporaryTaskAndFuture) {
  auto& loop = asyncio::get_running_loop();
  auto t = asyncio::create_task(value_after(0.1, 1));
  EXPECT_EQ(co_await t, 1);  // named
  EXPECT_EQ(co_await t, 1);  // named, already done
  const asyncio::Task<int>& cref = t;
  EXPECT_EQ(co_await cref, 1);                                       // const lvalue
  EXPECT_EQ(co_await asyncio::create_task(value_after(0.1, 2)), 2);  // temporary
  EXPECT_EQ(co_await asyncio::Task<int>(t), 1);                      // temporary copy

  asyncio::Future<int> f;
  loop.call_soon([f]() mutable { f.set_result(3); });
  EXPECT_EQ(co_await f, 3);  // named
  asyncio::Future<int> g;
  loop.call_soon([g]() mutable { g.set_result(4); });
  EXPECT_EQ(co_await asyncio::Future<int>(g), 4);  // temporary
  asyncio::Future<void> v = loop.create_future<void>();
  loop.call_soon([v]() mutable { v.set_result(); });
  co_await v;
  EXPECT_TRUE(v.done());
  asyncio::Future<std::string> s;
  s.set_result("ready");
  EXPECT_EQ(co_await s, "ready");  // done before the co_await: no suspension needed
}

// --- other completion tokens ---------------------------------------------------------------

ASYNCIO_TEST(InteropTests, TaskWithCallbackCompletionHandler) {
  std::vector<std::pair<std::exception_ptr, int>> got;
  auto t = asyncio::create_task(value_after(0.5, 7));
  t([&got](std::exception_ptr e, int v) { got.emplace_back(e, v); });
  auto bad = asyncio::create_task(raise_after(0.5));
  bad([&got](std::exception_ptr e, int v) { got.emplace_back(e, v); });
  EXPECT_TRUE(got.empty());  // a handler never runs inside its initiation
  co_await asyncio::sleep(1);
  CO_ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].first);
  EXPECT_EQ(got[0].second, 7);
  EXPECT_TRUE(holds<asyncio::ValueError>(got[1].first));

  // Already done: the handler still runs later, not inside the call.
  bool called = false;
  t([&called](std::exception_ptr e, int v) {
    EXPECT_FALSE(e);
    EXPECT_EQ(v, 7);
    called = true;
  });
  EXPECT_FALSE(called);
  co_await asyncio::sleep(0);
  EXPECT_TRUE(called);
}

ASYNCIO_TEST(InteropTests, FutureWithCallbackCompletionHandler) {
  auto& loop = asyncio::get_running_loop();
  std::vector<std::exception_ptr> void_results;
  asyncio::Future<void> ok;
  asyncio::Future<void> cancelled;
  ok([&void_results](std::exception_ptr e) { void_results.push_back(e); });
  cancelled([&void_results](std::exception_ptr e) { void_results.push_back(e); });
  std::optional<std::pair<std::exception_ptr, std::string>> str_result;
  asyncio::Future<std::string> s;
  s([&str_result](std::exception_ptr e, std::string v) { str_result.emplace(e, std::move(v)); });
  loop.call_soon([ok, cancelled, s]() mutable {
    ok.set_result();
    cancelled.cancel();
    s.set_result("hello");
  });
  co_await asyncio::testing::yield_briefly(2);
  CO_ASSERT_EQ(void_results.size(), 2u);
  EXPECT_FALSE(void_results[0]);
  EXPECT_TRUE(holds<asyncio::CancelledError>(void_results[1]));
  CO_ASSERT_TRUE(str_result.has_value());
  EXPECT_FALSE(str_result->first);
  EXPECT_EQ(str_result->second, "hello");
}

ASYNCIO_TEST(InteropTests, TaskAndFutureWithDeferred) {
  auto& loop = asyncio::get_running_loop();
  auto t = asyncio::create_task(value_after(0.5, 21));
  auto op = t(boost::asio::deferred);  // nothing starts yet
  EXPECT_EQ(co_await std::move(op)(asyncio::use_awaitable), 21);

  // Composed with another deferred step.
  asyncio::Future<int> f;
  loop.call_soon([f]() mutable { f.set_result(4); });
  auto doubled = f(boost::asio::deferred) | boost::asio::deferred([](std::exception_ptr e, int v) {
                   return boost::asio::deferred.values(e, v * 2);
                 });
  EXPECT_EQ(co_await std::move(doubled)(asyncio::use_awaitable), 8);

  // An exception comes out as the exception_ptr, which use_awaitable rethrows.
  auto bad = asyncio::create_task(raise_after(0.1));
  bool raised = false;
  try {
    co_await bad(boost::asio::deferred)(asyncio::use_awaitable);
  } catch (const asyncio::ValueError&) {
    raised = true;
  }
  EXPECT_TRUE(raised);
}

ASYNCIO_TEST(InteropTests, TaskWithExplicitUseAwaitable) {
  auto t = asyncio::create_task(value_after(0.5, 3));
  EXPECT_EQ(co_await t(asyncio::use_awaitable), 3);
  EXPECT_EQ(now(), 0.5);
}

// --- the loop's executor --------------------------------------------------------------------

ASYNCIO_TEST(InteropTests, LoopExecutorRunsWorkInFifoOrderWithCallbacks) {
  auto& loop = asyncio::get_running_loop();
  std::vector<std::string> order;
  loop.call_soon([&order] { order.push_back("a"); });
  boost::asio::post(loop.get_executor(), [&order] { order.push_back("b"); });
  loop.call_soon([&order] { order.push_back("c"); });
  boost::asio::any_io_executor any = loop.get_executor();
  boost::asio::post(any, [&order] { order.push_back("d"); });
  EXPECT_TRUE(order.empty());  // never inline: blocking.never
  co_await asyncio::sleep(0);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(&boost::asio::query(loop.get_executor(), boost::asio::execution::context) ==
              static_cast<boost::asio::execution_context*>(&loop.get_io_context()));
}

ASYNCIO_TEST(InteropTests, LoopExecutorAcceptsWorkFromAnotherThread) {
  auto& loop = asyncio::get_running_loop();
  asyncio::Future<std::thread::id> ran_on;
  const auto loop_thread = std::this_thread::get_id();
  auto ex = loop.get_executor();
  // Announced: under virtual time the loop waits for it instead of reporting a deadlock.
  loop.add_external_work();
  std::thread thread([ex, &ran_on, &loop] {
    boost::asio::post(ex, [&ran_on] { ran_on.set_result(std::this_thread::get_id()); });
    loop.remove_external_work();
  });
  const auto id = co_await ran_on;
  thread.join();
  EXPECT_EQ(id, loop_thread);
}

ASYNCIO_TEST(InteropTests, ExceptionFromExecutorWorkGoesToExceptionHandler) {
  auto& loop = asyncio::get_running_loop();
  std::vector<asyncio::ExceptionContext> calls;
  loop.set_exception_handler(
      [&calls](asyncio::EventLoop&, const asyncio::ExceptionContext& c) { calls.push_back(c); });
  boost::asio::post(loop.get_executor(), [] { throw asyncio::ValueError("from work"); });
  co_await asyncio::sleep(0);
  loop.set_exception_handler(nullptr);
  CO_ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(holds<asyncio::ValueError>(calls[0].exception));
}

// --- coroutine functions in place of coroutines ---------------------------------------------
//
// `create_task(lambda())` runs a coroutine whose lambda, with its captures, died at the end of
// the statement: a coroutine lambda's captures live in the lambda object, not in the coroutine
// frame. Each entry point also takes the callable itself and keeps it alive in the task. Each
// test below reads by-value captures after a sleep, once the statement that created the work
// has ended: with the `lambda()` spelling, ASan reports that read as a use after free.
//
// Each lambda with captures by value is written in a statement of its own, never inside a
// `co_await` expression: g++ 12 destroys every capture of a lambda written inside a
// `co_await` expression twice (a double free for a std::string), whatever it is passed to.

namespace {
/// A string too long for the small-string buffer: reading it after its owner died touches
/// freed heap memory, which ASan reports.
const std::string long_text = "a capture long enough to live on the heap, not in the object";
}  // namespace

ASYNCIO_TEST(InteropTests, CreateTaskKeepsTheLambdaAndItsCapturesAlive) {
  auto owner = std::make_shared<int>(7);
  asyncio::Task<std::string> t =
      asyncio::create_task([text = long_text, owner]() -> awaitable<std::string> {
        co_await asyncio::sleep(1);
        co_return text + " " + std::to_string(*owner);
      });
  EXPECT_EQ(owner.use_count(), 2);  // the task's copy of the lambda holds the other one
  co_await asyncio::sleep(0.5);
  EXPECT_EQ(owner.use_count(), 2);
  EXPECT_EQ(co_await t, long_text + " 7");
  EXPECT_EQ(now(), 1.0);
  EXPECT_EQ(owner.use_count(), 1);  // released when the task ended
}

ASYNCIO_TEST(InteropTests, CreateTaskOfALambdaTakesAName) {
  std::vector<int> numbers{1, 2, 3};
  auto t = asyncio::create_task(
      [numbers]() -> awaitable<int> {
        co_await asyncio::sleep(1);
        co_return numbers[0] + numbers[1] + numbers[2];
      },
      "summer");
  EXPECT_EQ(t.get_name(), "summer");
  EXPECT_EQ(co_await t, 6);
}

ASYNCIO_TEST(InteropTests, LoopCreateTaskKeepsTheLambdaAlive) {
  auto& loop = asyncio::get_running_loop();
  auto owner = std::make_shared<std::string>(long_text);
  auto named = loop.create_task(
      [owner]() -> awaitable<std::size_t> {
        co_await asyncio::sleep(1);
        co_return owner->size();
      },
      "loop-task");
  auto unnamed = loop.create_task([owner]() -> awaitable<void> {
    co_await asyncio::sleep(2);
    EXPECT_EQ(*owner, long_text);
  });
  EXPECT_EQ(named.get_name(), "loop-task");
  EXPECT_EQ(owner.use_count(), 3);
  EXPECT_EQ(co_await named, long_text.size());
  co_await unnamed;
  EXPECT_EQ(now(), 2.0);
  EXPECT_EQ(owner.use_count(), 1);
}

ASYNCIO_TEST(InteropTests, CreateTaskOfALambdaWithMoveOnlyCapturesAndResult) {
  // A move-only callable (a mutable lambda owning a unique_ptr) giving a move-only result.
  auto t =
      asyncio::create_task([p = std::make_unique<std::string>(
                                long_text)]() mutable -> awaitable<std::unique_ptr<std::string>> {
        co_await asyncio::sleep(1);
        co_return std::move(p);
      });
  std::unique_ptr<std::string> result = co_await t;
  CO_ASSERT_TRUE(result != nullptr);
  EXPECT_EQ(*result, long_text);
  // A void coroutine, and a callable that returns an asyncio operation.
  std::vector<std::string> log;
  auto v = asyncio::create_task([&log, text = long_text]() -> awaitable<void> {
    co_await asyncio::sleep(1);
    log.push_back(text);
  });
  auto op = asyncio::create_task([] { return asyncio::sleep(3); });
  co_await v;
  co_await op;
  EXPECT_EQ(log, std::vector<std::string>{long_text});
  EXPECT_EQ(now(), 4.0);
}

ASYNCIO_TEST(InteropTests, CreateTaskOfALambdaReportsItsException) {
  auto t = asyncio::create_task([text = long_text]() -> awaitable<int> {
    co_await asyncio::sleep(1);
    throw asyncio::ValueError(text);
  });
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::ValueError>(t, long_text));
}

ASYNCIO_TEST(InteropTests, GatherKeepsEachLambdaAlive) {
  auto owner = std::make_shared<int>(0);
  // Lambdas mixed with an awaitable and a task; gather made its tasks in this statement.
  auto task = asyncio::create_task(value_after(0.5, 40));
  auto all = asyncio::gather(
      [numbers = std::vector<int>{1, 2, 3}, owner]() -> awaitable<int> {
        co_await asyncio::sleep(1);
        co_return numbers[0] + numbers[1] + numbers[2];
      },
      value_after(2, 20), task,
      [text = long_text, owner]() -> awaitable<void> {
        co_await asyncio::sleep(1.5);
        EXPECT_EQ(text, long_text);
      });
  EXPECT_EQ(owner.use_count(), 3);
  auto [a, b, c, d] = co_await all;
  EXPECT_EQ(a, 6);
  EXPECT_EQ(b, 20);
  EXPECT_EQ(c, 40);
  EXPECT_EQ(d, std::monostate{});
  EXPECT_EQ(now(), 2.0);
  EXPECT_EQ(owner.use_count(), 1);

  // With return_exceptions.
  auto outcomes = asyncio::gather(
      asyncio::return_exceptions,
      [text = long_text]() -> awaitable<std::string> {
        co_await asyncio::sleep(1);
        co_return text;
      },
      [text = long_text]() -> awaitable<int> {
        co_await asyncio::sleep(1);
        throw asyncio::ValueError(text);
      });
  auto [ok, failed] = co_await outcomes;
  EXPECT_EQ(ok.value(), long_text);
  EXPECT_TRUE(holds<asyncio::ValueError>(failed.exception()));
}

ASYNCIO_TEST(InteropTests, GatherOfAVectorOfCallables) {
  std::vector<std::function<awaitable<std::string>()>> fns;
  for (int i = 0; i < 3; ++i) {
    fns.push_back([i, text = long_text]() -> awaitable<std::string> {
      co_await asyncio::sleep(3 - i);  // they finish in reverse order
      co_return text.substr(0, 1) + std::to_string(i);
    });
  }
  auto all = asyncio::gather(std::move(fns));
  fns.clear();
  const std::vector<std::string> results = co_await all;  // (g++ 12: no braced list here)
  EXPECT_EQ(results, (std::vector<std::string>{"a0", "a1", "a2"}));
  EXPECT_EQ(now(), 3.0);
}

ASYNCIO_TEST(InteropTests, TaskGroupCreateTaskKeepsTheLambdaAlive) {
  std::vector<std::string> log;
  auto owner = std::make_shared<int>(0);
  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> awaitable<void> {
    // Locals of the body die when it returns, before the children are waited for: they are
    // captured by value.
    std::string text = long_text;
    auto named = tg.create_task(
        [text, owner, &log]() -> awaitable<void> {
          co_await asyncio::sleep(1);
          log.push_back("named " + text);
        },
        "child");
    EXPECT_EQ(named.get_name(), "child");
    auto valued = tg.create_task([text, owner]() -> awaitable<std::size_t> {
      co_await asyncio::sleep(2);
      co_return text.size();
    });
    valued.add_done_callback(
        [&log](asyncio::Task<std::size_t> t) { log.push_back(std::to_string(t.result())); });
    tg.create_task([] { return asyncio::sleep(0.5); });
    EXPECT_EQ(owner.use_count(), 3);
    co_return;
  });
  EXPECT_EQ(log,
            (std::vector<std::string>{"named " + long_text, std::to_string(long_text.size())}));
  EXPECT_EQ(now(), 2.0);
  EXPECT_EQ(owner.use_count(), 1);
}

ASYNCIO_TEST(InteropTests, ShieldKeepsTheLambdaAlive) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto shielded = asyncio::shield([text = long_text, log]() -> awaitable<std::string> {
    co_await asyncio::sleep(1);
    log->push_back(text);
    co_return text;
  });
  EXPECT_EQ(co_await shielded, long_text);

  // Cancelling the task awaiting the shield leaves the inner work, and its lambda, alive.
  auto outer = asyncio::create_task([log]() -> awaitable<void> {
    auto inner = asyncio::shield([text = long_text, log]() -> awaitable<void> {
      co_await asyncio::sleep(1);
      log->push_back("inner " + text);
    });
    co_await inner;
    log->push_back("outer not cancelled");
  });
  co_await asyncio::sleep(0.5);
  outer.cancel();
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(outer));
  EXPECT_EQ(log->size(), 1u);
  co_await asyncio::sleep(1);
  EXPECT_EQ(*log, (std::vector<std::string>{long_text, "inner " + long_text}));
  EXPECT_EQ(log.use_count(), 1);
}

ASYNCIO_TEST(InteropTests, WaitForKeepsTheLambdaAlive) {
  // The lambda is moved into wait_for's coroutine when the statement runs; it runs later.
  auto in_time = asyncio::wait_for(
      [text = long_text]() -> awaitable<std::string> {
        co_await asyncio::sleep(1);
        co_return text;
      },
      2s);
  auto unlimited = asyncio::wait_for(
      [text = long_text]() -> awaitable<std::size_t> {
        co_await asyncio::sleep(1);
        co_return text.size();
      },
      std::nullopt);
  co_await asyncio::sleep(0);
  EXPECT_EQ(co_await std::move(in_time), long_text);
  EXPECT_EQ(co_await std::move(unlimited), long_text.size());
  EXPECT_EQ(now(), 2.0);

  // On expiry the lambda's coroutine is cancelled, and may still read its captures.
  std::vector<std::string> log;
  auto too_slow = asyncio::wait_for(
      [text = long_text, &log]() -> awaitable<void> {
        try {
          co_await asyncio::sleep(10);
        } catch (const asyncio::CancelledError&) {
          log.push_back("cancelled " + text);
          throw;
        }
      },
      0.5);
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::TimeoutError>(std::move(too_slow)));
  EXPECT_EQ(log, std::vector<std::string>{"cancelled " + long_text});
  EXPECT_EQ(now(), 2.5);

  // A delay <= 0 (the task is cancelled before it starts, so the lambda never runs).
  auto at_once = asyncio::wait_for(
      [&log]() -> awaitable<void> {
        log.push_back("ran");
        co_return;
      },
      0);
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::TimeoutError>(std::move(at_once)));
  EXPECT_EQ(log.size(), 1u);
}
