// C++ only (no CPython twin): asyncio::steady_timer, Asio's timer interface on the loop's
// clock, so that Asio code inside tasks follows virtual time.
//
// Every test runs on the virtual clock and asserts simulated times exactly. The one real
// Asio timer below is set an hour ahead and cancelled: nothing waits in real time.
#include <asyncio/steady_timer.hpp>

#include "asyncio_test.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using asyncio::testing::now;

// The clock is the loop's; the executor is the loop's.
static_assert(std::is_same_v<asyncio::steady_timer::clock_type, asyncio::EventLoop::clock>);
static_assert(std::is_same_v<asyncio::steady_timer::time_point, asyncio::EventLoop::time_point>);
static_assert(std::is_same_v<asyncio::steady_timer::duration, asyncio::EventLoop::duration>);
static_assert(
    std::is_same_v<asyncio::steady_timer::executor_type, asyncio::EventLoop::executor_type>);
// Not copyable; movable (waits know their loop, not their timer).
static_assert(!std::is_copy_constructible_v<asyncio::steady_timer>);
static_assert(!std::is_copy_assignable_v<asyncio::steady_timer>);
static_assert(std::is_nothrow_move_constructible_v<asyncio::steady_timer>);
static_assert(std::is_move_assignable_v<asyncio::steady_timer>);
// Built from a loop or an executor, with an expiry as a time point or a delay.
static_assert(
    std::is_constructible_v<asyncio::steady_timer, asyncio::EventLoop&, std::chrono::milliseconds>);
static_assert(std::is_constructible_v<asyncio::steady_timer, asyncio::EventLoop&, double>);
static_assert(std::is_constructible_v<asyncio::steady_timer, asyncio::EventLoop::executor_type,
                                      asyncio::EventLoop::time_point>);
static_assert(std::is_constructible_v<asyncio::steady_timer, boost::asio::any_io_executor,
                                      std::chrono::seconds>);
// async_wait is an Asio asynchronous operation completing with an error_code.
static_assert(
    std::is_same_v<
        boost::asio::completion_signature_of_t<
            decltype(std::declval<asyncio::steady_timer&>().async_wait(boost::asio::deferred))>,
        void(boost::system::error_code)>);
static_assert(std::is_same_v<
              decltype(std::declval<asyncio::steady_timer&>().async_wait(asyncio::use_awaitable)),
              asyncio::awaitable<void>>);

namespace {

using asyncio::awaitable;
using asyncio::steady_timer;
using boost::system::error_code;

const error_code kAborted = boost::asio::error::operation_aborted;

/// Waits for `timer`; logs `name` and how the wait ended, then lets an error propagate.
awaitable<void> wait_on(steady_timer& timer, std::vector<std::string>& log, std::string name) {
  try {
    co_await timer.async_wait(asyncio::use_awaitable);
    log.push_back(name + ": fired");
  } catch (const boost::system::system_error& e) {
    log.push_back(name + (e.code() == kAborted ? ": operation_aborted" : e.what()));
    throw;
  }
}

/// The same for a raw Asio timer.
awaitable<void> wait_on_raw(boost::asio::steady_timer& timer, std::vector<std::string>& log,
                            std::string name) {
  try {
    co_await timer.async_wait(asyncio::use_awaitable);
    log.push_back(name + ": fired");
  } catch (const boost::system::system_error& e) {
    log.push_back(name + (e.code() == kAborted ? ": operation_aborted" : e.what()));
    throw;
  }
}

awaitable<void> sleep_then_log(double seconds, std::vector<std::string>& log, std::string name) {
  co_await asyncio::sleep(seconds);
  log.push_back(name + ": slept");
}

/// A completion handler that records its error code and resolves `done`.
struct Recorder {
  std::optional<error_code>* got;
  asyncio::Future<void> done;
  void operator()(error_code ec) {
    *got = ec;
    done.set_result();
  }
};

}  // namespace

// --- expiry ----------------------------------------------------------------------------

ASYNCIO_TEST(SteadyTimerTests, TaskAwaitingTimerEndsAtItsExpiryOnVirtualTime) {
  auto& loop = asyncio::get_running_loop();
  auto t = asyncio::create_task([&loop]() -> awaitable<double> {
    steady_timer timer(loop, 5s);
    co_await timer.async_wait(asyncio::use_awaitable);
    co_return now();
  });
  EXPECT_EQ(co_await t, 5.0);
  EXPECT_EQ(now(), 5.0);
}

ASYNCIO_TEST(SteadyTimerTests, ExpiresAtAndExpiryRoundTrip) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop);
  EXPECT_EQ(timer.expiry(), steady_timer::time_point());  // expired, as Asio's
  const auto when = loop.now() + 1500ms;
  EXPECT_EQ(timer.expires_at(when), 0u);
  EXPECT_EQ(timer.expiry(), when);
  EXPECT_EQ(timer.expires_after(2s), 0u);
  EXPECT_EQ(timer.expiry(), loop.now() + 2s);
  EXPECT_EQ(timer.expires_after(0.25), 0u);  // seconds, as Python writes them
  EXPECT_EQ(timer.expiry(), loop.now() + 250ms);
  EXPECT_EQ(steady_timer(loop, when).expiry(), when);
  EXPECT_EQ(steady_timer(loop, 3s).expiry(), loop.now() + 3s);
  co_await timer.async_wait(asyncio::use_awaitable);
  EXPECT_EQ(now(), 0.25);
  // Later, relative delays start from the loop's now.
  timer.expires_after(1s);
  EXPECT_EQ(timer.expiry(), steady_timer::time_point(1250ms));
  co_await timer.async_wait(asyncio::use_awaitable);
  EXPECT_EQ(now(), 1.25);
}

ASYNCIO_TEST(SteadyTimerTests, ConstructedFromLoopExecutorAndTaskExecutor) {
  auto& loop = asyncio::get_running_loop();
  steady_timer from_loop_executor(loop.get_executor(), 1s);
  EXPECT_EQ(&from_loop_executor.get_executor().loop(), &loop);
  // Asio code holds the coroutine's executor: an any_io_executor wrapping the task's.
  const boost::asio::any_io_executor ex = co_await asyncio::this_coro::executor;
  steady_timer from_task_executor(ex, 2s);
  EXPECT_EQ(&from_task_executor.get_executor().loop(), &loop);
  co_await from_task_executor.async_wait(asyncio::use_awaitable);
  EXPECT_EQ(now(), 2.0);
  // Another executor names no loop.
  EXPECT_TRUE(asyncio::testing::raises<asyncio::ValueError>(
      [&loop] {
        steady_timer t(boost::asio::any_io_executor(loop.get_io_context().get_executor()));
      },
      "not an asyncio event loop"));
}

ASYNCIO_TEST(SteadyTimerTests, WaitOnExpiredTimerCompletesOnALaterIteration) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop);  // expired
  std::optional<error_code> got;
  asyncio::Future<void> done;
  timer.async_wait(Recorder{&got, done});
  EXPECT_FALSE(got) << "the handler ran inside async_wait";
  co_await done;
  EXPECT_EQ(got, error_code());
  EXPECT_EQ(now(), 0.0);
  // A task awaiting an expired timer goes on without the clock moving.
  timer.expires_at(loop.now() - 1s);
  co_await timer.async_wait(asyncio::use_awaitable);
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(SteadyTimerTests, SeveralWaitsOnOneTimerCompleteInTheOrderStarted) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 3s);
  std::vector<std::string> log;
  auto a = asyncio::create_task(wait_on(timer, log, "a"));
  auto b = asyncio::create_task(wait_on(timer, log, "b"));
  auto c = asyncio::create_task(wait_on(timer, log, "c"));
  co_await asyncio::gather(a, b, c);
  EXPECT_EQ(log, (std::vector<std::string>{"a: fired", "b: fired", "c: fired"}));
  EXPECT_EQ(now(), 3.0);
  EXPECT_EQ(timer.cancel(), 0u);  // nothing pending any more
}

// --- cancellation by the timer -----------------------------------------------------------

ASYNCIO_TEST(SteadyTimerTests, CancelAbortsEveryPendingWaitAndCountsThem) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 10s);
  std::vector<std::string> log;
  auto t = asyncio::create_task(wait_on(timer, log, "task"));
  co_await asyncio::testing::yield_briefly();  // t waits
  std::optional<error_code> got1, got2;
  asyncio::Future<void> done1, done2;
  timer.async_wait(Recorder{&got1, done1});
  timer.async_wait(Recorder{&got2, done2});
  EXPECT_EQ(timer.cancel(), 3u);
  EXPECT_FALSE(got1) << "a handler ran inside cancel()";
  EXPECT_EQ(timer.cancel(), 0u);
  co_await done1;
  co_await done2;
  EXPECT_EQ(got1, kAborted);
  EXPECT_EQ(got2, kAborted);
  // Not a task cancellation: the task ends with Asio's error.
  EXPECT_TRUE(co_await asyncio::testing::co_raises<boost::system::system_error>(t));
  EXPECT_FALSE(t.cancelled());
  EXPECT_EQ(log, std::vector<std::string>{"task: operation_aborted"});
  EXPECT_EQ(now(), 0.0);
  // The timer still works: its expiry was left alone.
  co_await timer.async_wait(asyncio::use_awaitable);
  EXPECT_EQ(now(), 10.0);
}

ASYNCIO_TEST(SteadyTimerTests, CancelOneAbortsTheOldestWait) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 4s);
  std::optional<error_code> got1, got2;
  asyncio::Future<void> done1, done2;
  timer.async_wait(Recorder{&got1, done1});
  timer.async_wait(Recorder{&got2, done2});
  EXPECT_EQ(timer.cancel_one(), 1u);
  co_await done1;
  EXPECT_EQ(got1, kAborted);
  EXPECT_EQ(now(), 0.0);
  EXPECT_FALSE(got2);
  co_await done2;
  EXPECT_EQ(got2, error_code());
  EXPECT_EQ(now(), 4.0);
  EXPECT_EQ(timer.cancel_one(), 0u);
}

ASYNCIO_TEST(SteadyTimerTests, ExpiresAfterCancelsPendingWaitsAndCountsThem) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 10s);
  std::vector<std::string> log;
  auto a = asyncio::create_task(wait_on(timer, log, "a"));
  auto b = asyncio::create_task(wait_on(timer, log, "b"));
  co_await asyncio::testing::yield_briefly();
  EXPECT_EQ(timer.expires_after(1s), 2u);
  EXPECT_EQ(timer.expires_at(loop.now() + 1s), 0u);  // nothing pending: nothing cancelled
  EXPECT_TRUE(co_await asyncio::testing::co_raises<boost::system::system_error>(a));
  EXPECT_TRUE(co_await asyncio::testing::co_raises<boost::system::system_error>(b));
  EXPECT_EQ(log, (std::vector<std::string>{"a: operation_aborted", "b: operation_aborted"}));
  EXPECT_EQ(now(), 0.0);
  co_await timer.async_wait(asyncio::use_awaitable);  // the new expiry
  EXPECT_EQ(now(), 1.0);
}

ASYNCIO_TEST(SteadyTimerTests, DestroyingTimerAbortsItsPendingCallbackWait) {
  auto& loop = asyncio::get_running_loop();
  auto timer = std::make_unique<steady_timer>(loop, 1h);  // on the heap: ASan sees the free
  std::optional<error_code> got;
  asyncio::Future<void> done;
  timer->async_wait(Recorder{&got, done});
  timer.reset();
  EXPECT_FALSE(got) << "the handler ran inside the destructor";
  co_await done;
  EXPECT_EQ(got, kAborted);
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(SteadyTimerTests, DestroyingTimerAbortsTheWaitOfATask) {
  auto& loop = asyncio::get_running_loop();
  auto timer = std::make_unique<steady_timer>(loop, 1h);
  std::vector<std::string> log;
  auto t = asyncio::create_task(wait_on(*timer, log, "task"));
  co_await asyncio::testing::yield_briefly();
  timer.reset();
  EXPECT_TRUE(co_await asyncio::testing::co_raises<boost::system::system_error>(t));
  EXPECT_EQ(log, std::vector<std::string>{"task: operation_aborted"});
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(SteadyTimerTests, MovedTimerKeepsItsExpiryAndWaits) {
  auto& loop = asyncio::get_running_loop();
  steady_timer a(loop, 2s);
  std::optional<error_code> got;
  asyncio::Future<void> done;
  a.async_wait(Recorder{&got, done});
  steady_timer b(std::move(a));
  EXPECT_EQ(b.expiry(), loop.now() + 2s);
  EXPECT_EQ(a.expiry(), steady_timer::time_point());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.cancel(), 0u);                          // NOLINT(bugprone-use-after-move)
  steady_timer c(loop, 5s);
  c = std::move(b);
  EXPECT_EQ(c.expiry(), loop.now() + 2s);
  co_await done;
  EXPECT_EQ(got, error_code());
  EXPECT_EQ(now(), 2.0);
}

// --- cancellation by the task ----------------------------------------------------------

ASYNCIO_TEST(SteadyTimerTests, CancellingTaskAbortsItsWaitAtOnce) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 1h);
  std::vector<std::string> log;
  auto t = asyncio::create_task(wait_on(timer, log, "task"));
  co_await asyncio::testing::yield_briefly();  // t starts and suspends in async_wait
  EXPECT_FALSE(t.done());
  EXPECT_TRUE(t.cancel("stop waiting"));
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(t, "stop waiting"));
  EXPECT_TRUE(t.cancelled());
  // Inside the coroutine the cancellation was Asio's own error; the clock did not move.
  EXPECT_EQ(log, std::vector<std::string>{"task: operation_aborted"});
  EXPECT_EQ(now(), 0.0);
  EXPECT_EQ(timer.cancel(), 0u);  // the wait is gone
}

ASYNCIO_TEST(SteadyTimerTests, CancelBetweenExpiryAndHandlerStillCancelsTheTask) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 2s);
  std::vector<std::string> log;
  auto t = asyncio::create_task(wait_on(timer, log, "task"));
  // Scheduled before the task starts its wait: at t=2 this runs after the wait's deadline
  // passed, before its handler does.
  loop.call_at(loop.now() + 2s, [t]() mutable { t.cancel(); });
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(t));
  EXPECT_EQ(log, std::vector<std::string>{"task: operation_aborted"});
  EXPECT_EQ(now(), 2.0);
}

ASYNCIO_TEST(SteadyTimerTests, TimeoutAroundWaitRaisesTimeoutErrorAtTheDeadline) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 5s);
  auto body = [&timer]() -> awaitable<void> { co_await timer.async_wait(asyncio::use_awaitable); };
  auto limited = asyncio::timeout(1s, body);
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::TimeoutError>(std::move(limited)));
  EXPECT_EQ(now(), 1.0);
  EXPECT_EQ(timer.cancel(), 0u);
}

ASYNCIO_TEST(SteadyTimerTests, WaitForAroundWait) {
  auto& loop = asyncio::get_running_loop();
  steady_timer slow(loop, 5s);
  steady_timer quick(loop, 3s);
  auto too_slow = asyncio::wait_for(slow.async_wait(asyncio::use_awaitable), 1s);
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::TimeoutError>(std::move(too_slow)));
  EXPECT_EQ(now(), 1.0);
  EXPECT_EQ(slow.cancel(), 0u);  // the wait did not outlive wait_for
  co_await asyncio::wait_for(quick.async_wait(asyncio::use_awaitable), 10s);
  EXPECT_EQ(now(), 3.0);
}

ASYNCIO_TEST(SteadyTimerTests, AwaitableOperatorsAbortTheLosingWait) {
  using namespace boost::asio::experimental::awaitable_operators;
  auto& loop = asyncio::get_running_loop();
  steady_timer quick(loop, 2s);
  steady_timer slow(loop, 5s);
  auto winner = co_await (quick.async_wait(asyncio::use_awaitable) ||
                          slow.async_wait(asyncio::use_awaitable));
  EXPECT_EQ(winner.index(), 0u);
  // `||` waits for the loser to end: it was aborted through its slot, not waited out.
  EXPECT_EQ(now(), 2.0);
  EXPECT_EQ(slow.cancel(), 0u);
  co_await (quick.async_wait(asyncio::use_awaitable) && slow.async_wait(asyncio::use_awaitable));
  EXPECT_EQ(now(), 5.0);
}

ASYNCIO_TEST(SteadyTimerTests, CancellationSlotOfACallbackAbortsOnlyItsWait) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 3s);
  boost::asio::cancellation_signal signal;
  std::optional<error_code> got1, got2;
  asyncio::Future<void> done1, done2;
  timer.async_wait(boost::asio::bind_cancellation_slot(signal.slot(), Recorder{&got1, done1}));
  timer.async_wait(Recorder{&got2, done2});
  signal.emit(boost::asio::cancellation_type::terminal);
  EXPECT_FALSE(got1) << "the handler ran inside emit()";
  co_await done1;
  EXPECT_EQ(got1, kAborted);
  EXPECT_EQ(now(), 0.0);
  signal.emit(boost::asio::cancellation_type::terminal);  // nothing left to cancel
  co_await done2;
  EXPECT_EQ(got2, error_code());
  EXPECT_EQ(now(), 3.0);
  // A wait that completed clears the slot: a later emit finds nothing.
  std::optional<error_code> got3;
  asyncio::Future<void> done3;
  timer.async_wait(boost::asio::bind_cancellation_slot(signal.slot(), Recorder{&got3, done3}));
  co_await done3;
  EXPECT_EQ(got3, error_code());
  EXPECT_FALSE(signal.slot().has_handler());
  signal.emit(boost::asio::cancellation_type::terminal);
}

// --- completion tokens ---------------------------------------------------------------

ASYNCIO_TEST(SteadyTimerTests, CallbackTokenRunsOnTheLoopAtExpiry) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 1500ms);
  double when = -1;
  bool on_loop_thread = false;
  asyncio::Future<void> done;
  timer.async_wait([&](error_code ec) {
    EXPECT_FALSE(ec);
    when = now();
    on_loop_thread = &asyncio::get_running_loop() == &loop;
    done.set_result();
  });
  co_await done;
  EXPECT_EQ(when, 1.5);
  EXPECT_TRUE(on_loop_thread);
}

ASYNCIO_TEST(SteadyTimerTests, DeferredTokenStartsWhenAwaited) {
  auto& loop = asyncio::get_running_loop();
  steady_timer timer(loop, 2s);
  auto op = timer.async_wait(boost::asio::deferred);  // nothing starts yet
  EXPECT_EQ(timer.cancel(), 0u);
  co_await std::move(op)(asyncio::use_awaitable);
  EXPECT_EQ(now(), 2.0);
  // Composed with another deferred step.
  timer.expires_after(1s);
  auto tagged = timer.async_wait(boost::asio::deferred) | boost::asio::deferred([](error_code ec) {
                  return boost::asio::deferred.values(ec, std::string("tagged"));
                });
  auto [ec, tag] = co_await std::move(tagged)(boost::asio::as_tuple(asyncio::use_awaitable));
  EXPECT_FALSE(ec);
  EXPECT_EQ(tag, "tagged");
  EXPECT_EQ(now(), 3.0);
}

// --- ordering against sleep and real Asio timers --------------------------------------

ASYNCIO_TEST(SteadyTimerTests, FollowsVirtualTimeInScheduleOrderWhileRawAsioTimerWaitsRealTime) {
  auto& loop = asyncio::get_running_loop();
  std::vector<std::string> log;
  boost::asio::steady_timer raw(loop.get_io_context(), 1h);  // real time: never reached here
  steady_timer first(loop, 1h);
  steady_timer second(loop, 1h);
  auto r = asyncio::create_task(wait_on_raw(raw, log, "raw asio timer"));
  auto s1 = asyncio::create_task(sleep_then_log(3600, log, "sleep 1"));
  auto t1 = asyncio::create_task(wait_on(first, log, "asyncio timer 1"));
  auto s2 = asyncio::create_task(sleep_then_log(3600, log, "sleep 2"));
  auto t2 = asyncio::create_task(wait_on(second, log, "asyncio timer 2"));
  co_await asyncio::gather(s1, t1, s2, t2);
  // Equal deadlines: in the order the waits were started, as loop.call_at orders them.
  EXPECT_EQ(log, (std::vector<std::string>{"sleep 1: slept", "asyncio timer 1: fired",
                                           "sleep 2: slept", "asyncio timer 2: fired"}));
  EXPECT_EQ(now(), 3600.0);
  // The raw timer still waits for a real hour.
  EXPECT_FALSE(r.done());
  raw.cancel();
  EXPECT_TRUE(co_await asyncio::testing::co_raises<boost::system::system_error>(r));
  EXPECT_EQ(log.back(), "raw asio timer: operation_aborted");
}

// --- loop teardown ---------------------------------------------------------------------

TEST(SteadyTimerTests, ClosingLoopDestroysPendingWaitsWithoutCallingThem) {
  auto loop = asyncio::new_event_loop({.virtual_time = true});
  steady_timer timer(*loop, 1h);
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> alive = token;
  bool called = false;
  timer.async_wait([token = std::move(token), &called](error_code) { called = true; });
  // A task parked in a wait, its timer in its own frame: closing the loop unwinds it.
  auto t = loop->create_task([&loop = *loop]() -> awaitable<void> {
    steady_timer own(loop, 1h);
    co_await own.async_wait(asyncio::use_awaitable);
  });
  asyncio::testing::run_briefly(*loop);
  EXPECT_FALSE(t.done());
  loop->close();
  EXPECT_FALSE(called);
  EXPECT_TRUE(alive.expired()) << "the handler was not destroyed";
  EXPECT_EQ(timer.cancel(), 0u);
}
