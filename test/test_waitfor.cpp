// Port of CPython 3.13 Lib/test/test_asyncio/test_waitfor.py: asyncio::wait_for, as Python
// 3.12+ implements it (on top of timeout(), returning the value of inner work that swallowed
// its cancellation).
//
// Each test is named after the CPython method it mirrors; the suite is the CPython class that
// defines it (AsyncioWaitForTest, WaitForShieldTests), so the gtest filter
// `AsyncioWaitForTest.test_wait_for` and unittest's `...AsyncioWaitForTest.test_wait_for`
// select the same case. Every test is an ASYNCIO_TEST (CPython: IsolatedAsyncioTestCase) on
// the virtual clock, so simulated times are asserted exactly.
//
// Not ported, in part, with the reason:
//   test_wait_for_waits_for_task_cancellation,
//   test_wait_for_waits_for_task_cancellation_w_timeout_0:
//     `cm.exception.__context__` is a CancelledError (C++ exceptions carry no chaining); the
//     rest of each test is ported.
//
// Adaptations:
//   - SlowTask measures its 0.2 s on the loop's clock (CPython: time.monotonic()), which is
//     the virtual one here; CPython's loop clock is time.monotonic(), so the tests are the same.
//   - `_test_cancel_wait_for(timeout)` is the helper `test_cancel_wait_for_helper` below.
//   - support.LONG_TIMEOUT is 5 minutes, as in CPython.
//   - `with self.subTest(timeout=...)` is a SCOPED_TRACE.

#include <asyncio/timeout.hpp>

#include "asyncio_test.hpp"

#include <array>
#include <chrono>
#include <exception>
#include <optional>
#include <regex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using asyncio::awaitable;
using asyncio::testing::now;

// --- type contracts ------------------------------------------------------------------------

// wait_for gives the result type of what it waits for, whatever the delay's spelling.
static_assert(std::is_same_v<decltype(asyncio::wait_for(std::declval<awaitable<int>>(), 1.0)),
                             awaitable<int>>);
static_assert(
    std::is_same_v<decltype(asyncio::wait_for(std::declval<asyncio::Task<std::string>>(), 1s)),
                   awaitable<std::string>>);
static_assert(
    std::is_same_v<decltype(asyncio::wait_for(std::declval<asyncio::Task<std::string>&>(), 250ms)),
                   awaitable<std::string>>);
static_assert(
    std::is_same_v<decltype(asyncio::wait_for(std::declval<asyncio::Future<int>&>(), std::nullopt)),
                   awaitable<int>>);
static_assert(std::is_same_v<decltype(asyncio::wait_for(std::declval<awaitable<void>>(), 0)),
                             awaitable<void>>);
static_assert(std::is_same_v<decltype(asyncio::wait_for(asyncio::sleep(1), 0.5)), awaitable<void>>);

template <typename X>
concept can_wait_for = requires(X x) {
  asyncio::wait_for(std::move(x), 1.0);
};
// Only awaitables, tasks, futures and asyncio operations (Python: TypeError otherwise).
static_assert(can_wait_for<awaitable<int>>);
static_assert(!can_wait_for<int>);
static_assert(!can_wait_for<std::string>);

// --- helpers -------------------------------------------------------------------------------

namespace {

using asyncio::testing::co_raises;
using asyncio::testing::describe;

// The following value can be used as a very small timeout:
// it passes check "timeout > 0", but has almost
// no effect on the test performance
constexpr double EPSILON = 0.0001;

/// test.support.LONG_TIMEOUT: 5 minutes.
constexpr double LONG_TIMEOUT = 5 * 60.0;

/// Task will run for this defined time, ignoring cancel requests
struct SlowTask {
  static constexpr double TASK_TIMEOUT = 0.2;

  bool exited = false;

  awaitable<void> run() {
    auto& loop = asyncio::get_running_loop();
    const double exitat = loop.time() + TASK_TIMEOUT;

    while (true) {
      const double tosleep = exitat - loop.time();
      if (tosleep <= 0) break;

      try {
        co_await asyncio::sleep(tosleep);
      } catch (const asyncio::CancelledError&) {
      }
    }

    exited = true;
  }
};

struct FooException : std::exception {
  const char* what() const noexcept override { return "FooException"; }
};

}  // namespace

// --- AsyncioWaitForTest --------------------------------------------------------------------

ASYNCIO_TEST(AsyncioWaitForTest, test_asyncio_wait_for_cancelled) {
  SlowTask t;

  auto waitfortask = asyncio::create_task(asyncio::wait_for(t.run(), SlowTask::TASK_TIMEOUT * 2));
  co_await asyncio::sleep(0);
  waitfortask.cancel();
  std::vector<asyncio::Task<void>> fs;  // not `std::vector{waitfortask}`: GCC 12 fails to
  fs.push_back(waitfortask);            // compile an initializer_list in a coroutine
  co_await asyncio::wait(fs);

  EXPECT_TRUE(t.exited);
  // SlowTask swallowed the cancellation and returned: so does wait_for (Python 3.12+).
  EXPECT_TRUE(waitfortask.done());
  EXPECT_FALSE(waitfortask.cancelled());
  EXPECT_EQ(now(), 0.2);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_asyncio_wait_for_timeout) {
  SlowTask t;

  bool timed_out = false;
  try {
    co_await asyncio::wait_for(t.run(), SlowTask::TASK_TIMEOUT / 2);
  } catch (const asyncio::TimeoutError&) {
    timed_out = true;
  }

  EXPECT_TRUE(t.exited);
  // SlowTask swallowed the cancellation and returned: wait_for returns too (Python 3.12+).
  EXPECT_FALSE(timed_out);
  EXPECT_EQ(now(), 0.2);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_timeout_less_then_0_or_0_future_done) {
  auto& loop = asyncio::get_running_loop();

  auto fut = loop.create_future<std::string>();
  fut.set_result("done");

  std::string ret = co_await asyncio::wait_for(fut, 0);

  EXPECT_EQ(ret, "done");
  EXPECT_TRUE(fut.done());
  EXPECT_EQ(loop.time(), 0.0);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started) {
  bool foo_started = false;

  auto foo = [&]() -> awaitable<void> {
    foo_started = true;
    co_return;
  };

  EXPECT_TRUE(co_await co_raises<asyncio::TimeoutError>(asyncio::wait_for(foo(), 0)));

  EXPECT_EQ(foo_started, false);
  EXPECT_EQ(now(), 0.0);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_timeout_less_then_0_or_0) {
  auto& loop = asyncio::get_running_loop();

  for (double timeout : std::array<double, 2>{0, -1}) {
    SCOPED_TRACE(::testing::Message() << "timeout=" << timeout);
    std::optional<bool> foo_running;
    auto started = loop.create_future<void>();

    auto foo = [&]() -> awaitable<std::string> {
      foo_running = true;
      started.set_result();
      try {
        co_await asyncio::sleep(10);
      } catch (...) {
        foo_running = false;
        throw;
      }
      foo_running = false;
      co_return "done";
    };

    auto fut = asyncio::create_task(foo());
    co_await started;

    EXPECT_TRUE(co_await co_raises<asyncio::TimeoutError>(asyncio::wait_for(fut, timeout)));

    EXPECT_TRUE(fut.done());
    // it should have been cancelled due to the timeout
    EXPECT_TRUE(fut.cancelled());
    EXPECT_EQ(foo_running, false);
    EXPECT_EQ(loop.time(), 0.0);
  }
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for) {
  std::optional<bool> foo_running;

  auto foo = [&]() -> awaitable<std::string> {
    foo_running = true;
    try {
      co_await asyncio::sleep(LONG_TIMEOUT);
    } catch (...) {
      foo_running = false;
      throw;
    }
    foo_running = false;
    co_return "done";
  };

  auto fut = asyncio::create_task(foo());

  EXPECT_TRUE(co_await co_raises<asyncio::TimeoutError>(asyncio::wait_for(fut, 0.1)));
  EXPECT_TRUE(fut.done());
  // it should have been cancelled due to the timeout
  EXPECT_TRUE(fut.cancelled());
  EXPECT_EQ(foo_running, false);
  EXPECT_EQ(now(), 0.1);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_blocking) {
  auto coro = []() -> awaitable<std::string> { co_return "done"; };

  std::string res = co_await asyncio::wait_for(coro(), std::nullopt);
  EXPECT_EQ(res, "done");
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_race_condition) {
  auto& loop = asyncio::get_running_loop();

  auto fut = loop.create_future<std::string>();
  auto task = asyncio::wait_for(fut, 0.2);
  loop.call_soon([fut]() mutable { fut.set_result("ok"); });
  std::string res = co_await std::move(task);
  EXPECT_EQ(res, "ok");
  EXPECT_EQ(loop.time(), 0.0);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_cancellation_race_condition) {
  auto inner = []() -> awaitable<int> {
    EXPECT_TRUE(co_await co_raises<asyncio::CancelledError>(asyncio::sleep(1)));
    co_return 1;
  };

  int result = co_await asyncio::wait_for(inner(), .01);
  EXPECT_EQ(result, 1);
  EXPECT_EQ(now(), 0.01);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_waits_for_task_cancellation) {
  bool task_done = false;

  auto inner = [&]() -> awaitable<void> {
    std::exception_ptr error;
    try {
      co_await asyncio::sleep(10);
    } catch (const asyncio::CancelledError&) {
      error = std::current_exception();
    } catch (...) {
      task_done = true;
      throw;
    }
    if (error) {
      try {
        co_await asyncio::sleep(EPSILON);
      } catch (...) {
        task_done = true;
        throw;
      }
      task_done = true;
      std::rethrow_exception(error);
    }
    task_done = true;
  };

  auto inner_task = asyncio::create_task(inner());

  EXPECT_TRUE(co_await co_raises<asyncio::TimeoutError>(asyncio::wait_for(inner_task, EPSILON)));

  EXPECT_TRUE(task_done);
  // Not ported: the TimeoutError's __context__ is a CancelledError.
  EXPECT_TRUE(inner_task.cancelled());
  EXPECT_EQ(now(), 2 * EPSILON);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_waits_for_task_cancellation_w_timeout_0) {
  bool task_done = false;

  auto inner = [&]() -> awaitable<void> {
    std::exception_ptr error;
    try {
      co_await asyncio::sleep(10);
    } catch (const asyncio::CancelledError&) {
      error = std::current_exception();
    } catch (...) {
      task_done = true;
      throw;
    }
    if (error) {
      try {
        co_await asyncio::sleep(EPSILON);
      } catch (...) {
        task_done = true;
        throw;
      }
      task_done = true;
      std::rethrow_exception(error);
    }
    task_done = true;
  };

  auto foo = [&]() -> awaitable<void> {
    auto inner_task = asyncio::create_task(inner());
    co_await asyncio::sleep(EPSILON);
    co_await asyncio::wait_for(inner_task, 0);
  };

  EXPECT_TRUE(co_await co_raises<asyncio::TimeoutError>(foo()));

  EXPECT_TRUE(task_done);
  // Not ported: the TimeoutError's __context__ is a CancelledError.
  EXPECT_EQ(now(), 2 * EPSILON);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_reraises_exception_during_cancellation) {
  auto inner = []() -> awaitable<void> {
    try {
      co_await asyncio::sleep(0.2);
    } catch (...) {
    }
    throw FooException();  // finally: raise FooException
  };

  auto foo = [&]() -> awaitable<void> {
    auto inner_task = asyncio::create_task(inner());

    co_await asyncio::wait_for(inner_task, EPSILON);
  };

  EXPECT_TRUE(co_await co_raises<FooException>(foo()));
  EXPECT_EQ(now(), EPSILON);
}

namespace {

/// CPython's `_test_cancel_wait_for(timeout)`.
awaitable<void> test_cancel_wait_for_helper(std::optional<double> timeout) {
  auto& loop = asyncio::get_running_loop();

  auto blocking_coroutine = [&]() -> awaitable<void> {
    auto fut = loop.create_future<void>();
    // Block: fut result is never set
    co_await fut;
  };

  auto task = asyncio::create_task(blocking_coroutine());

  auto wait = timeout ? asyncio::create_task(asyncio::wait_for(task, *timeout))
                      : asyncio::create_task(asyncio::wait_for(task, std::nullopt));
  loop.call_soon([wait]() mutable { wait.cancel(); });

  EXPECT_TRUE(co_await co_raises<asyncio::CancelledError>(wait));

  // Python issue #23219: cancelling the wait must also cancel the task
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(loop.time(), 0.0);
}

}  // namespace

ASYNCIO_TEST(AsyncioWaitForTest, test_cancel_blocking_wait_for) {
  co_await test_cancel_wait_for_helper(std::nullopt);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_cancel_wait_for) {
  co_await test_cancel_wait_for_helper(60.0);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_cancel_suppressed) {
  // GH-86296: Suppressing CancelledError is discouraged
  // but if a task suppresses CancelledError and returns a value,
  // `wait_for` should return the value instead of raising CancelledError.
  // This is the same behavior as `asyncio.timeout`.

  auto return_42 = []() -> awaitable<int> {
    try {
      co_await asyncio::sleep(10);
    } catch (const asyncio::CancelledError&) {
      co_return 42;
    }
    co_return 0;  // Python: None
  };

  int res = co_await asyncio::wait_for(return_42(), 0.1);
  EXPECT_EQ(res, 42);
  EXPECT_EQ(now(), 0.1);
}

ASYNCIO_TEST(AsyncioWaitForTest, test_wait_for_issue86296) {
  // GH-86296: The task should get cancelled and not run to completion.
  // inner completes in one cycle of the event loop so it
  // completes before the task is cancelled.

  auto inner = []() -> awaitable<std::string> { co_return "done"; };

  auto inner_task = asyncio::create_task(inner());
  bool reached_end = false;

  auto wait_for_coro = [&]() -> awaitable<void> {
    co_await asyncio::wait_for(inner_task, 100);
    co_await asyncio::sleep(1);
    reached_end = true;
  };

  auto task = asyncio::create_task(wait_for_coro());
  EXPECT_FALSE(task.done());
  // Run the task
  co_await asyncio::sleep(0);
  task.cancel();
  EXPECT_TRUE(co_await co_raises<asyncio::CancelledError>(task));
  EXPECT_TRUE(inner_task.done());
  EXPECT_EQ(co_await inner_task, "done");
  EXPECT_FALSE(reached_end);
  EXPECT_EQ(now(), 0.0);
}

// --- WaitForShieldTests --------------------------------------------------------------------

ASYNCIO_TEST(WaitForShieldTests, test_zero_timeout) {
  // `asyncio.shield` creates a new task which wraps the passed in
  // awaitable and shields it from cancellation so with timeout=0
  // the task returned by `asyncio.shield` aka shielded_task gets
  // cancelled immediately and the task wrapped by it is scheduled
  // to run.

  auto coro = []() -> awaitable<std::string> {
    co_await asyncio::sleep(0.01);
    co_return "done";
  };

  auto task = asyncio::create_task(coro());
  auto shielded_task = asyncio::shield(task);
  EXPECT_TRUE(co_await co_raises<asyncio::TimeoutError>(asyncio::wait_for(shielded_task, 0)));

  // Task is running in background
  EXPECT_FALSE(task.done());
  EXPECT_FALSE(task.cancelled());
  EXPECT_TRUE(shielded_task.cancelled());

  // Wait for the task to complete
  co_await asyncio::sleep(0.1);
  EXPECT_TRUE(task.done());
  EXPECT_EQ(task.result(), "done");
  EXPECT_EQ(now(), 0.1);
}

ASYNCIO_TEST(WaitForShieldTests, test_none_timeout) {
  // With timeout=None the timeout is disabled so it
  // runs till completion.
  auto coro = []() -> awaitable<std::string> {
    co_await asyncio::sleep(0.1);
    co_return "done";
  };

  auto task = asyncio::create_task(coro());
  co_await asyncio::wait_for(asyncio::shield(task), std::nullopt);

  EXPECT_TRUE(task.done());
  EXPECT_EQ(co_await task, "done");
  EXPECT_EQ(now(), 0.1);
}

ASYNCIO_TEST(WaitForShieldTests, test_shielded_timeout) {
  // shield prevents the task from being cancelled.
  auto coro = []() -> awaitable<std::string> {
    co_await asyncio::sleep(0.1);
    co_return "done";
  };

  auto task = asyncio::create_task(coro());
  EXPECT_TRUE(
      co_await co_raises<asyncio::TimeoutError>(asyncio::wait_for(asyncio::shield(task), 0.01)));
  EXPECT_EQ(now(), 0.01);

  EXPECT_FALSE(task.done());
  EXPECT_FALSE(task.cancelled());
  EXPECT_EQ(co_await task, "done");
  EXPECT_EQ(now(), 0.1);
}
