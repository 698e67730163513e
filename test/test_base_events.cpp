// Port of the callback API parts of CPython 3.13 Lib/test/test_asyncio/test_base_events.py and
// test_events.py: asyncio::EventLoop's call_soon / call_later / call_at /
// call_soon_threadsafe, run_until_complete, run_forever / stop, close, the exception handler
// and debug mode.
//
// Loops run on the virtual clock unless a test needs the real one; nothing sleeps for real.
// The default exception handler and the slow-callback warning are read through
// set_log_handler (Python: a mock of the `asyncio` logger).
//
// Not ported:
// - BaseEventTests (getaddrinfo helpers), BaseEventLoopWithSelectorTests,
//   BaseLoopSockSendfileTests, TestSelectorUtils, the socket/pipe/subprocess/signal/SSL tests of
//   EventLoopTestsMixin, SubprocessTestsMixin: not callback API (streams are another file).
// - test_not_implemented, test__add_callback_handle, test__add_callback_cancelled_handle,
//   test__run_once, test__run_once_schedule_handle, test__run_once_cancelled_event_cleanup,
//   test_custom_run_forever_integration, test_single_selecter_event_callback_after_stopping,
//   EventLoopTestsMixin.test_timeout_rounding: private hooks (_run_once, _ready, _scheduled,
//   _selector) that the C++ loop does not expose; their observable parts are covered below.
// - test_set_default_executor*, test_shutdown_default_executor_timeout, test_run_in_executor*:
//   executors belong to to_thread's tests.
// - test_call_soon_non_callable, test_call_coroutine, test_run_until_complete_type_error,
//   test_set_exc_handler_invalid, test_set_task_factory_invalid: type errors are compile errors.
// - test_set_task_factory, test_create_task, test_create_named_task_with_custom_factory: no
//   task factories.
// - test_default_exc_handler_broken: default_exception_handler is not virtual.
// - test_env_var_debug: no PYTHONASYNCIODEBUG.
// - test_run_until_complete_loop_orphan_future_close_loop: needs a BaseException escaping a
//   callback; in C++ every exception from a callback goes to the exception handler.
// - test_asyncgen_finalization_by_gc*: no async generators.
// - HandleTests.test_handle_weakref / test_handle_repr* / test_handle_source_traceback /
//   test_coroutine_like_object_debug_formatting, TimerTests.test_hash / test_timer_repr* /
//   test_timer_comparison: a C++ Handle has no repr, hash, weakref or ordering.
// - AbstractEventLoopTests, PolicyTests, the get_event_loop() parts of GetEventLoopTestsMixin:
//   no abstract loop class, policies or get_event_loop().
// - The non-debug halves of test_check_thread: in C++ a call from another thread without
//   debug mode is a data race, not something a test may do.
#include <asyncio/event_loop.hpp>

#include "asyncio_test.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <regex>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

static_assert(std::is_same_v<decltype(std::declval<asyncio::EventLoop&>().call_soon([] {})),
                             asyncio::Handle>);
static_assert(
    std::is_same_v<decltype(std::declval<asyncio::EventLoop&>().call_soon_threadsafe([] {})),
                   asyncio::Handle>);
static_assert(std::is_same_v<decltype(std::declval<asyncio::EventLoop&>().call_later(1.0, [] {})),
                             asyncio::TimerHandle>);
static_assert(std::is_same_v<decltype(std::declval<asyncio::EventLoop&>().call_later(1s, [] {})),
                             asyncio::TimerHandle>);
static_assert(std::is_same_v<decltype(std::declval<asyncio::EventLoop&>().call_at(1.0, [] {})),
                             asyncio::TimerHandle>);
static_assert(std::is_base_of_v<asyncio::Handle, asyncio::TimerHandle>);
static_assert(std::is_same_v<decltype(std::declval<asyncio::EventLoop&>().time()), double>);
static_assert(!std::is_copy_constructible_v<asyncio::EventLoop>);

namespace {

using asyncio::awaitable;
using asyncio::EventLoop;
using asyncio::ExceptionContext;

struct ZeroDivisionError : std::runtime_error {
  ZeroDivisionError() : std::runtime_error("division by zero") {}
};
struct AttributeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr const char* kForeignThreadMessage =
    "Non-thread-safe operation invoked on an event loop other than the current one";

/// Python's `re.search(pattern, text, re.S)` (what test_utils.MockPattern does): `.` also
/// matches a newline.
bool search(const std::string& text, const std::string& pattern) {
  std::string p;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      p += pattern[i];
      p += pattern[++i];
    } else if (pattern[i] == '.') {
      p += "[\\s\\S]";
    } else {
      p += pattern[i];
    }
  }
  return std::regex_search(text, std::regex(p));
}

::testing::AssertionResult matches(const std::string& text, const std::string& pattern) {
  if (search(text, pattern)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not match \"" << pattern << "\"";
}

/// Python's assertRaisesRegex.
template <typename E, typename F>
::testing::AssertionResult raises_regex(F&& f, const std::string& pattern) {
  try {
    f();
  } catch (const E& e) {
    return matches(e.what(), pattern);
  } catch (...) {
    return ::testing::AssertionFailure()
           << "raised " << asyncio::format_exception(std::current_exception());
  }
  return ::testing::AssertionFailure() << "nothing was raised";
}

/// What the loop logs (Python: the `asyncio` logger).
struct LogCapture {
  explicit LogCapture(EventLoop& loop) {
    loop.set_log_handler([this](const std::string& line) { lines.push_back(line); });
  }
  std::string last() const {
    return lines.empty() ? std::string("<nothing logged>") : lines.back();
  }
  std::vector<std::string> lines;
};

/// Python's test_utils.run_once: one iteration (`call_soon(loop.stop); run_forever()`).
void run_once(EventLoop& loop) {
  loop.call_soon([&loop] { loop.stop(); });
  loop.run_forever();
}

std::unique_ptr<EventLoop> new_test_loop() {
  return asyncio::new_event_loop({.virtual_time = true});
}

bool is_zero_division(const std::exception_ptr& e) {
  return asyncio::holds<ZeroDivisionError>(e);
}

awaitable<void> sleep_for(double delay) {
  co_await asyncio::sleep(delay);
}

}  // namespace

// --- BaseEventLoopTests --------------------------------------------------------------------

TEST(BaseEventLoopTests, test_close) {
  auto loop = new_test_loop();
  EXPECT_FALSE(loop->is_closed());
  loop->close();
  EXPECT_TRUE(loop->is_closed());

  // it should be possible to call close() more than once
  EXPECT_NO_THROW(loop->close());
  EXPECT_NO_THROW(loop->close());

  // operation blocked when the loop is closed
  std::optional<asyncio::Future<void>> f;
  EXPECT_NO_THROW(f = loop->create_future<void>())
      << "Python's create_future() works on a closed loop";
  if (!f) f.emplace(*loop);
  EXPECT_THROW(loop->run_forever(), asyncio::RuntimeError);
  EXPECT_THROW(loop->run_until_complete(*f), asyncio::RuntimeError);
}

TEST(BaseEventLoopTests, test_call_soon) {
  auto loop = new_test_loop();
  int calls = 0;
  asyncio::Handle h = loop->call_soon([&calls] { ++calls; });
  EXPECT_TRUE(h);
  EXPECT_FALSE(h.cancelled());
  // Python: assertIn(h, loop._ready): it runs on the next iteration.
  EXPECT_EQ(calls, 0);
  run_once(*loop);
  EXPECT_EQ(calls, 1);
}

TEST(BaseEventLoopTests, test_call_later) {
  auto loop = new_test_loop();
  int calls = 0;
  asyncio::TimerHandle h = loop->call_later(10.0, [&calls] { ++calls; });
  EXPECT_TRUE(h);
  EXPECT_FALSE(h.cancelled());
  EXPECT_DOUBLE_EQ(h.when(), loop->time() + 10.0);
  // Python: assertIn(h, _scheduled), assertNotIn(h, _ready).
  asyncio::testing::run_briefly(*loop);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(loop->time(), 0.0);
  // Python: call_later(None, cb) is a TypeError. The invalid delay C++ can pass is NaN.
  EXPECT_TRUE(raises_regex<asyncio::ValueError>(
      [&] { loop->call_later(std::numeric_limits<double>::quiet_NaN(), [] {}); }, "NaN"));
  EXPECT_THROW(loop->call_later(std::chrono::duration<double>(std::nan("")), [] {}),
               asyncio::ValueError);
}

TEST(BaseEventLoopTests, test_call_later_negative_delays) {
  auto loop = new_test_loop();
  std::vector<std::string> calls;
  auto cb = [&calls](std::string arg) { calls.push_back(std::move(arg)); };
  loop->call_later(-1, cb, "a");
  loop->call_later(-2.0, cb, "b");
  asyncio::testing::run_briefly(*loop);
  EXPECT_EQ(calls, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(loop->time(), 0.0);  // a negative delay means "now"
}

TEST(BaseEventLoopTests, test_time_and_call_at) {
  auto loop = new_test_loop();
  const double delay = 0.100;

  const double when = loop->time() + delay;
  loop->call_at(when, [&loop] { loop->stop(); });
  const double t0 = loop->time();
  loop->run_forever();
  const double dt = loop->time() - t0;

  EXPECT_GE(dt, delay - 1e-9);
  EXPECT_DOUBLE_EQ(dt, delay);  // virtual time: exactly the delay
  // Python: call_at(None, cb) is a TypeError; C++'s invalid time is NaN.
  EXPECT_THROW(loop->call_at(std::numeric_limits<double>::quiet_NaN(), [] {}), asyncio::ValueError);
}

namespace {

/// Python: BaseEventLoopTests.check_thread(loop, debug=True), run on a foreign thread while
/// `loop` runs. Returns what went wrong, or nothing.
std::string check_thread(EventLoop& loop) {
  auto cb = [] {};
  auto expect_error = [](const char* what, auto&& call) -> std::string {
    try {
      call();
    } catch (const asyncio::RuntimeError& e) {
      if (search(e.what(), kForeignThreadMessage)) return {};
      return std::string(what) + " raised RuntimeError(\"" + e.what() + "\")";
    } catch (...) {
      return std::string(what) + " raised " + asyncio::format_exception(std::current_exception());
    }
    return std::string(what) + " raised nothing";
  };
  std::string error = expect_error("call_soon", [&] { loop.call_soon(cb); });
  if (error.empty()) error = expect_error("call_later", [&] { loop.call_later(60, cb); });
  if (error.empty()) {
    error = expect_error("call_at", [&] { loop.call_at(loop.time() + 60, cb); });
  }
  return error;
}

awaitable<std::string> check_thread_from_loop(EventLoop& loop) {
  co_return check_thread(loop);
}

/// Python: test_check_thread's test_thread(loop, debug=True, create_loop).
void test_thread(EventLoop& loop, bool create_loop) {
  std::promise<void> event;
  asyncio::Future<void> fut = loop.create_future<void>();
  loop.call_soon([&event] { event.set_value(); });
  std::string threadsafe_error;
  // The loop waits (in real time) for the thread; if the thread cannot report back, the
  // timer below ends the wait instead of a hang.
  loop.add_external_work();
  std::thread thread([&] {
    event.get_future().wait();  // wait until the event loop is running
    std::string error;
    if (create_loop) {
      auto loop2 = asyncio::new_event_loop();
      error = loop2->run_until_complete(check_thread_from_loop(loop));
      loop2->close();
    } else {
      error = check_thread(loop);
    }
    try {
      // `fut` is used through a pointer: a Future handle's count belongs to the loop's thread.
      loop.call_soon_threadsafe([f = &fut, error] {
        if (error.empty()) {
          f->set_result();
        } else {
          f->set_exception(asyncio::RuntimeError(error));
        }
      });
    } catch (...) {
      threadsafe_error = asyncio::format_exception(std::current_exception());
    }
    loop.remove_external_work();
  });
  asyncio::TimerHandle timeout = loop.call_later(3600, [fut]() mutable {
    if (!fut.done()) fut.set_exception(asyncio::RuntimeError("the thread did not report back"));
  });
  try {
    loop.run_until_complete(fut);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "create_loop=" << create_loop << ": " << e.what();
  }
  timeout.cancel();
  thread.join();
  EXPECT_EQ(threadsafe_error, "")
      << "call_soon_threadsafe from another thread in debug mode must not raise (Python)";
}

}  // namespace

TEST(BaseEventLoopTests, test_check_thread) {
  auto loop = new_test_loop();
  loop->set_debug(true);
  // raise RuntimeError if the thread has no event loop
  test_thread(*loop, false);
  // raise RuntimeError if the event loop of the thread is not the called event loop
  test_thread(*loop, true);
}

TEST(BaseEventLoopTests, test_set_debug) {
  auto loop = new_test_loop();
  loop->set_debug(true);
  EXPECT_TRUE(loop->get_debug());
  loop->set_debug(false);
  EXPECT_FALSE(loop->get_debug());
}

TEST(BaseEventLoopTests, test_run_until_complete_loop) {
  auto loop = new_test_loop();
  asyncio::Future<void> task = loop->create_future<void>();
  auto other_loop = new_test_loop();
  // Not in Python: should the check be missing, stop rather than wait forever.
  other_loop->call_later(3600, [&other_loop] { other_loop->stop(); });
  EXPECT_THROW(other_loop->run_until_complete(task), asyncio::ValueError);
  other_loop->close();
  loop->close();
}

TEST(BaseEventLoopTests, test_default_exc_handler_callback) {
  auto loop = new_test_loop();
  auto zero_error = [](asyncio::Future<bool> fut) {
    fut.set_result(true);
    throw ZeroDivisionError();
  };

  // Test call_soon (events.Handle)
  {
    LogCapture log(*loop);
    auto fut = loop->create_future<bool>();
    loop->call_soon(zero_error, fut);
    fut.add_done_callback([&loop](asyncio::Future<bool>) { loop->stop(); });
    loop->run_forever();
    EXPECT_TRUE(matches(log.last(), "Exception in callback.*zero"));
    EXPECT_TRUE(matches(log.last(), "ZeroDivisionError"));
  }

  // Test call_later (events.TimerHandle)
  {
    LogCapture log(*loop);
    auto fut = loop->create_future<bool>();
    loop->call_later(0.01, zero_error, fut);
    fut.add_done_callback([&loop](asyncio::Future<bool>) { loop->stop(); });
    loop->run_forever();
    EXPECT_TRUE(matches(log.last(), "Exception in callback.*zero"));
    EXPECT_TRUE(matches(log.last(), "ZeroDivisionError"));
  }
  loop->close();
}

TEST(BaseEventLoopTests, test_default_exc_handler_coro) {
  auto loop = new_test_loop();
  auto zero_error_coro = []() -> awaitable<void> {
    co_await asyncio::sleep(0.01);
    throw ZeroDivisionError();
  };

  // Test Future.__del__
  LogCapture log(*loop);
  {
    auto fut = loop->create_task(zero_error_coro());
    fut.add_done_callback([&loop](asyncio::Task<void>) { loop->stop(); });
    loop->run_forever();
    EXPECT_TRUE(fut.done());
  }  // fut = None
  EXPECT_TRUE(matches(log.last(), ".*exception was never retrieved"));
  EXPECT_TRUE(matches(log.last(), "ZeroDivisionError"));
  loop->close();
}

TEST(BaseEventLoopTests, test_set_exc_handler_custom) {
  auto loop = new_test_loop();
  auto zero_error = [] { throw ZeroDivisionError(); };
  auto run_loop = [&] {
    asyncio::Handle handle = loop->call_soon(zero_error);
    run_once(*loop);
    return handle;
  };

  loop->set_debug(true);

  EXPECT_FALSE(loop->get_exception_handler());
  std::vector<ExceptionContext> calls;
  loop->set_exception_handler([&](EventLoop& l, const ExceptionContext& context) {
    EXPECT_EQ(&l, loop.get());
    calls.push_back(context);
  });
  EXPECT_TRUE(loop->get_exception_handler());
  run_loop();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(matches(calls[0].message, "Exception in callback"));
  EXPECT_TRUE(is_zero_division(calls[0].exception));
  EXPECT_TRUE(matches(calls[0].object, "^<Handle")) << "Python: 'handle': handle";
  calls.clear();

  loop->set_exception_handler(nullptr);
  EXPECT_FALSE(loop->get_exception_handler());
  {
    LogCapture log(*loop);
    run_loop();
    EXPECT_TRUE(matches(log.last(), "Exception in callback.*zero"));
    EXPECT_TRUE(matches(log.last(), "ZeroDivisionError"));
  }
  EXPECT_TRUE(calls.empty());
  loop->close();
}

TEST(BaseEventLoopTests, test_set_exc_handler_broken) {
  auto loop = new_test_loop();
  auto run_loop = [&] {
    loop->call_soon([] { throw ZeroDivisionError(); });
    run_once(*loop);
  };
  loop->set_exception_handler(
      [](EventLoop&, const ExceptionContext&) { throw AttributeError("spam"); });

  LogCapture log(*loop);
  run_loop();
  EXPECT_TRUE(matches(log.last(), "Unhandled error in exception handler"));
  EXPECT_TRUE(
      matches(log.last(), "AttributeError.*spam"));  // Python: exc_info=(AttributeError,...)
  loop->close();
}

TEST(BaseEventLoopTests, test_create_task_error_closes_coro) {
  auto frame_alive = std::make_shared<int>(0);
  auto test = [](std::shared_ptr<int>) -> awaitable<void> { co_return; };
  auto loop = asyncio::new_event_loop();
  loop->close();
  EXPECT_THROW(loop->create_task(test(frame_alive)), asyncio::RuntimeError);
  // Python: no "coroutine was never awaited" warning, the coroutine is closed.
  EXPECT_EQ(frame_alive.use_count(), 1);
}

TEST(BaseEventLoopTests, test_create_named_task_with_default_factory) {
  auto test = []() -> awaitable<void> { co_return; };
  auto loop = asyncio::new_event_loop();
  auto task = loop->create_task(test(), "test_task");
  EXPECT_EQ(task.get_name(), "test_task");
  loop->run_until_complete(task);
  loop->close();
}

// Python (issue #22601) raises KeyboardInterrupt; the point carries over to any exception:
// run_until_complete retrieves it, so the task is not reported as never retrieved.
TEST(BaseEventLoopTests, test_run_forever_keyboard_interrupt) {
  auto raise_keyboard_interrupt = []() -> awaitable<void> {
    throw AttributeError("KeyboardInterrupt");
    co_return;
  };
  auto loop = new_test_loop();
  int handler_calls = 0;
  loop->set_exception_handler([&](EventLoop&, const ExceptionContext&) { ++handler_calls; });
  try {
    loop->run_until_complete(raise_keyboard_interrupt());
  } catch (const AttributeError&) {
  }
  loop->close();
  EXPECT_EQ(handler_calls, 0);
}

// Python (issue #22429): run_until_complete() must not leave a pending stop() behind when
// the future raised a BaseException. C++'s BaseException is CancelledError.
TEST(BaseEventLoopTests, test_run_until_complete_baseexception) {
  auto raise_keyboard_interrupt = []() -> awaitable<void> {
    throw asyncio::CancelledError();
    co_return;
  };
  auto loop = new_test_loop();
  EXPECT_THROW(loop->run_until_complete(raise_keyboard_interrupt()), asyncio::CancelledError);

  bool called = false;
  auto func = [&] {
    loop->stop();
    called = true;
  };
  loop->call_soon([&] { loop->call_soon(func); });
  loop->run_forever();
  EXPECT_TRUE(called);
  loop->close();
}

TEST(BaseEventLoopTests, test_run_once) {
  auto loop = new_test_loop();
  int count = 0;
  loop->call_soon([&count] { ++count; });
  run_once(*loop);
  EXPECT_EQ(count, 1);
}

TEST(BaseEventLoopTests, test_run_forever_pre_stopped) {
  // Test that the old idiom for pre-stopping the loop works.
  auto loop = new_test_loop();
  std::vector<int> calls;
  loop->call_later(3600, [&calls] { calls.push_back(-1); });
  loop->stop();
  loop->call_soon([&] {
    calls.push_back(1);
    loop->call_soon([&calls] { calls.push_back(2); });
  });
  loop->run_forever();
  // Python: select(0), one iteration without waiting: the ready callback ran, the one it
  // scheduled did not, and the clock did not move on to the timer.
  EXPECT_EQ(calls, std::vector<int>{1});
  EXPECT_EQ(loop->time(), 0.0);
  EXPECT_FALSE(loop->is_running());
  run_once(*loop);
  EXPECT_EQ(calls, (std::vector<int>{1, 2}));
  loop->close();
}

namespace {
awaitable<void> stop_loop_coro(EventLoop& loop) {
  loop.stop();
  co_return;
}
}  // namespace

TEST(BaseEventLoopTests, test_log_slow_callbacks) {
  auto loop = new_test_loop();
  LogCapture log(*loop);
  loop->set_debug(true);
  loop->slow_callback_duration = 0.0;

  // slow callback
  loop->call_soon([](EventLoop* l) { l->stop(); }, loop.get());
  loop->run_forever();
  // Python's pattern names the callback (stop_loop_cb); a C++ Handle cannot.
  EXPECT_TRUE(matches(log.last(), "^Executing <Handle.*> took .* seconds$"));

  // slow task (the task is named after Python's coroutine function)
  auto task = loop->create_task(stop_loop_coro(*loop), "stop_loop_coro");
  loop->run_forever();
  EXPECT_TRUE(matches(log.last(), "^Executing <Task.*stop_loop_coro.*> took .* seconds$"));
  EXPECT_TRUE(task.done());
  loop->close();
}

// --- EventLoopTestsMixin (test_events.py) --------------------------------------------------

TEST(EventLoopTestsMixin, test_run_until_complete_nesting) {
  auto loop = new_test_loop();
  bool coro1_ran = false;
  auto coro1 = [](bool& ran) -> awaitable<void> {
    ran = true;
    co_await asyncio::sleep(0);
  };
  auto coro2 = [](EventLoop& l, bool& ran, auto make_coro1) -> awaitable<void> {
    EXPECT_TRUE(l.is_running());
    l.run_until_complete(make_coro1(ran));
    co_return;
  };
  EXPECT_THROW(loop->run_until_complete(coro2(*loop, coro1_ran, coro1)), asyncio::RuntimeError);
  // Python warns "coroutine ... was never awaited": the nested call is refused before coro1
  // is wrapped in a task, so it never runs.
  asyncio::testing::run_briefly(*loop);
  asyncio::testing::run_briefly(*loop);
  EXPECT_FALSE(coro1_ran);
  loop->close();
}

TEST(EventLoopTestsMixin, test_run_until_complete) {
  auto loop = new_test_loop();
  const double delay = 0.100;
  const double t0 = loop->time();
  loop->run_until_complete(sleep_for(delay));
  const double dt = loop->time() - t0;
  EXPECT_GE(dt, delay - 1e-9);
  EXPECT_DOUBLE_EQ(dt, delay);
  loop->close();
}

TEST(EventLoopTestsMixin, test_run_until_complete_stopped) {
  auto loop = new_test_loop();
  auto cb = [](EventLoop& l) -> awaitable<void> {
    l.stop();
    co_await asyncio::sleep(0.1);
  };
  EXPECT_TRUE(raises_regex<asyncio::RuntimeError>([&] { loop->run_until_complete(cb(*loop)); },
                                                  "Event loop stopped before Future completed"));
  loop->close();
}

TEST(EventLoopTestsMixin, test_call_later) {
  auto loop = new_test_loop();
  std::vector<std::string> results;
  auto callback = [&](const std::string& arg) {
    results.push_back(arg);
    loop->stop();
  };
  loop->call_later(0.1, callback, "hello world");
  loop->run_forever();
  EXPECT_EQ(results, std::vector<std::string>{"hello world"});
  EXPECT_DOUBLE_EQ(loop->time(), 0.1);
  loop->close();
}

TEST(EventLoopTestsMixin, test_call_soon) {
  auto loop = new_test_loop();
  std::vector<std::pair<std::string, std::string>> results;
  auto callback = [&](std::string arg1, std::string arg2) {
    results.emplace_back(arg1, arg2);
    loop->stop();
  };
  loop->call_soon(callback, "hello", "world");
  loop->run_forever();
  EXPECT_EQ(results, (std::vector<std::pair<std::string, std::string>>{{"hello", "world"}}));
  loop->close();
}

TEST(EventLoopTestsMixin, test_call_soon_threadsafe) {
  auto loop = new_test_loop();
  std::vector<std::string> results;
  auto callback = [&](const std::string& arg) {
    results.push_back(arg);
    if (results.size() >= 2) loop->stop();
  };
  // Python's lock, held by the main thread and released by the other one.
  std::binary_semaphore posted(0);
  std::thread t([&] {
    loop->call_soon_threadsafe(callback, "hello");
    posted.release();
  });
  posted.acquire();
  loop->call_soon(callback, "world");
  loop->run_forever();
  t.join();
  EXPECT_EQ(results, (std::vector<std::string>{"hello", "world"}));
  loop->close();
}

TEST(EventLoopTestsMixin, test_call_soon_threadsafe_same_thread) {
  auto loop = new_test_loop();
  std::vector<std::string> results;
  auto callback = [&](const std::string& arg) {
    results.push_back(arg);
    if (results.size() >= 2) loop->stop();
  };
  loop->call_soon_threadsafe(callback, "hello");
  loop->call_soon(callback, "world");
  loop->run_forever();
  EXPECT_EQ(results, (std::vector<std::string>{"hello", "world"}));
  loop->close();
}

TEST(EventLoopTestsMixin, test_close_running_event_loop) {
  auto loop = new_test_loop();
  auto close_loop = [](EventLoop& l) -> awaitable<void> {
    l.close();
    co_return;
  };
  EXPECT_THROW(loop->run_until_complete(close_loop(*loop)), asyncio::RuntimeError);
  EXPECT_FALSE(loop->is_closed());
  loop->close();
}

TEST(EventLoopTestsMixin, test_close) {
  auto loop = new_test_loop();
  loop->close();

  auto test = []() -> awaitable<void> { co_return; };
  auto func = [] { return false; };

  // operation blocked when the loop is closed
  EXPECT_THROW(loop->run_forever(), asyncio::RuntimeError);
  EXPECT_THROW(
      {
        auto fut = loop->create_future<void>();
        loop->run_until_complete(fut);
      },
      asyncio::RuntimeError);
  EXPECT_THROW(loop->call_soon(func), asyncio::RuntimeError);
  EXPECT_THROW(loop->call_soon_threadsafe(func), asyncio::RuntimeError);
  EXPECT_THROW(loop->call_later(1.0, func), asyncio::RuntimeError);
  EXPECT_THROW(loop->call_at(loop->time() + .0, func), asyncio::RuntimeError);
  EXPECT_THROW(loop->create_task(test()), asyncio::RuntimeError);
  EXPECT_TRUE(
      raises_regex<asyncio::RuntimeError>([&] { loop->call_soon(func); }, "Event loop is closed"));
}

// --- HandleTests, TimerTests (test_events.py) ----------------------------------------------

TEST(HandleTests, test_handle) {
  auto loop = new_test_loop();
  int calls = 0;
  asyncio::Handle h = loop->call_soon([&calls] { ++calls; });
  EXPECT_FALSE(h.cancelled());

  h.cancel();
  EXPECT_TRUE(h.cancelled());
  h.cancel();  // harmless
  EXPECT_TRUE(h.cancelled());
  // Python: test__add_callback_cancelled_handle, a cancelled handle does not run.
  run_once(*loop);
  EXPECT_EQ(calls, 0);
  loop->close();
}

TEST(HandleTests, test_callback_with_exception) {
  auto loop = new_test_loop();
  std::vector<ExceptionContext> calls;
  loop->set_exception_handler(
      [&](EventLoop&, const ExceptionContext& context) { calls.push_back(context); });
  asyncio::Handle h = loop->call_soon([] { throw asyncio::ValueError(""); });
  run_once(*loop);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(matches(calls[0].message, "Exception in callback.*"));
  ASSERT_TRUE(calls[0].exception);
  EXPECT_THROW(std::rethrow_exception(calls[0].exception), asyncio::ValueError);
  EXPECT_TRUE(matches(calls[0].object, "^<Handle")) << "Python: 'handle': h";
  loop->close();
}

TEST(TimerTests, test_when) {
  auto loop = new_test_loop();
  const double when = 123.0;
  asyncio::TimerHandle h = loop->call_at(when, [] {});
  EXPECT_DOUBLE_EQ(when, h.when());
  loop->close();
}

TEST(TimerTests, test_timer) {
  auto loop = new_test_loop();
  int calls = 0;
  asyncio::TimerHandle h = loop->call_later(1.0, [&calls] { ++calls; });
  EXPECT_FALSE(h.cancelled());

  // cancel
  h.cancel();
  EXPECT_TRUE(h.cancelled());
  loop->call_later(2.0, [&loop] { loop->stop(); });
  loop->run_forever();
  EXPECT_EQ(calls, 0);
  EXPECT_DOUBLE_EQ(loop->time(), 2.0);
  loop->close();
}

// --- RunningLoopTests, GetEventLoopTestsMixin ----------------------------------------------

TEST(RunningLoopTests, test_running_loop_within_a_loop) {
  auto runner = [](EventLoop& l) -> awaitable<void> {
    l.run_forever();
    co_return;
  };
  auto loop = asyncio::new_event_loop();
  auto outer_loop = asyncio::new_event_loop();
  EXPECT_TRUE(raises_regex<asyncio::RuntimeError>(
      [&] { outer_loop->run_until_complete(runner(*loop)); }, "while another loop is running"));
  loop->close();
  outer_loop->close();
}

TEST(GetEventLoopTestsMixin, test_get_event_loop_returns_running_loop) {
  auto loop = asyncio::new_event_loop();
  EXPECT_TRUE(
      raises_regex<asyncio::RuntimeError>([] { asyncio::get_running_loop(); }, "no running"));
  auto func = [](EventLoop& expected) -> awaitable<void> {
    EXPECT_EQ(&asyncio::get_running_loop(), &expected);
    co_return;
  };
  loop->run_until_complete(func(*loop));
  loop->close();
  EXPECT_TRUE(
      raises_regex<asyncio::RuntimeError>([] { asyncio::get_running_loop(); }, "no running"));
}

// --- C++ only: the callback API beyond CPython's tests --------------------------------------

// call_soon callbacks run in the order they were scheduled, with their arguments.
TEST(EventLoopCppTests, CallSoonRunsInFifoOrder) {
  auto loop = new_test_loop();
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) loop->call_soon([&order](int n) { order.push_back(n); }, i);
  run_once(*loop);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  loop->close();
}

// Python: stop() lets the current batch finish; what that batch schedules runs next time.
TEST(EventLoopCppTests, StopFinishesTheCurrentBatch) {
  auto loop = new_test_loop();
  std::vector<int> calls;
  loop->call_soon([&] {
    calls.push_back(1);
    loop->call_soon([&calls] { calls.push_back(3); });
  });
  loop->call_soon([&loop] { loop->stop(); });
  loop->call_soon([&calls] { calls.push_back(2); });
  loop->run_forever();
  EXPECT_EQ(calls, (std::vector<int>{1, 2}));
  run_once(*loop);
  EXPECT_EQ(calls, (std::vector<int>{1, 2, 3}));
  loop->close();
}

// Python: a timer due now (call_later(0)) joins the ready queue at the next iteration,
// behind what the current one scheduled. The loop runs batches back to back and checks
// timers at each boundary with a coarse clock first; in real time the order must still be
// Python's. (No sleeping: the timers are due when scheduled.)
TEST(EventLoopCppTests, TimerDueNowRunsAtTheNextIterationInRealTime) {
  auto loop = asyncio::new_event_loop();  // real time
  std::vector<std::string> order;
  std::function<void(int)> chain = [&](int n) {
    order.push_back("c" + std::to_string(n));
    if (n < 5) loop->call_soon(chain, n + 1);
    if (n == 5) loop->stop();
  };
  loop->call_later(3600.0, [] {});  // a far timer is pending all along
  loop->call_soon([&] {
    loop->call_soon(chain, 0);
    loop->call_later(0, [&order] { order.push_back("timer"); });
    loop->call_later(0.0, [&order] { order.push_back("timer2"); });
  });
  loop->run_forever();  // one run: the batches follow each other without a stop between
  EXPECT_EQ(order,
            (std::vector<std::string>{"c0", "timer", "timer2", "c1", "c2", "c3", "c4", "c5"}));
  loop->close();
}

TEST(EventLoopCppTests, IsRunningAndGetRunningLoopInsideCallbacks) {
  auto loop = new_test_loop();
  EXPECT_FALSE(loop->is_running());
  bool running = false;
  EventLoop* current = nullptr;
  loop->call_soon([&] {
    running = loop->is_running();
    current = &asyncio::get_running_loop();
  });
  run_once(*loop);
  EXPECT_TRUE(running);
  EXPECT_EQ(current, loop.get());
  EXPECT_FALSE(loop->is_running());
  EXPECT_FALSE(loop->is_closed());
  loop->close();
  EXPECT_TRUE(loop->is_closed());
  EXPECT_FALSE(loop->is_running());
}

// A timer's when() is a loop.time() value; call_later takes any std::chrono duration.
TEST(EventLoopCppTests, CallLaterWithDurations) {
  auto loop = new_test_loop();
  std::vector<std::string> order;
  auto h1 = loop->call_later(1500ms, [&order] { order.push_back("1.5s"); });
  auto h2 = loop->call_later(1s, [&order] { order.push_back("1s"); });
  auto h3 =
      loop->call_later(std::chrono::duration<double>(0.25), [&order] { order.push_back("0.25s"); });
  EXPECT_DOUBLE_EQ(h1.when(), 1.5);
  EXPECT_DOUBLE_EQ(h2.when(), 1.0);
  EXPECT_DOUBLE_EQ(h3.when(), 0.25);
  loop->call_later(std::chrono::hours(2), [&loop] { loop->stop(); });
  loop->run_forever();
  EXPECT_EQ(order, (std::vector<std::string>{"0.25s", "1s", "1.5s"}));
  EXPECT_DOUBLE_EQ(loop->time(), 7200.0);
  loop->close();
}

// A loop blocked waiting for a far timer (real time) is woken by call_soon_threadsafe.
TEST(EventLoopCppTests, CallSoonThreadsafeWakesAWaitingLoop) {
  auto loop = asyncio::new_event_loop();  // real time: the loop really blocks in the wait
  bool far_timer_ran = false;
  std::thread thread;
  loop->call_later(3600, [&far_timer_ran] { far_timer_ran = true; });
  loop->call_soon([&] {
    // Started from inside the loop, so the loop is (or soon will be) waiting for the timer.
    thread = std::thread([&loop] { loop->call_soon_threadsafe([&loop] { loop->stop(); }); });
  });
  loop->run_forever();
  thread.join();
  EXPECT_FALSE(far_timer_ran);
  loop->close();
}

// In debug mode a call from a foreign thread is reported even with no loop on that thread
// (see test_check_thread); call_soon_threadsafe, the thread-safe way, still works.
TEST(EventLoopCppTests, DebugModeAllowsCallSoonThreadsafeFromAnotherThread) {
  auto loop = asyncio::new_event_loop({.debug = true});
  std::string error;
  std::thread thread;
  loop->call_soon([&] {
    thread = std::thread([&] {
      try {
        loop->call_soon_threadsafe([&loop] { loop->stop(); });
      } catch (...) {
        error = asyncio::format_exception(std::current_exception());
        // Still end the test: stop() through the io_context the loop waits on.
        boost::asio::post(loop->get_io_context(), [&loop] { loop->stop(); });
      }
    });
  });
  loop->run_forever();
  thread.join();
  EXPECT_EQ(error, "");
  loop->close();
}

// Python: call_soon_threadsafe on a closed loop raises RuntimeError('Event loop is closed').
// Racing close() from another thread, it either queues (and close() drops the callback) or
// raises; it never touches the io_context that close() destroys. Run under TSan and ASan.
TEST(EventLoopCppTests, CallSoonThreadsafeRacingCloseRaisesOnceClosed) {
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    auto loop = asyncio::new_event_loop();
    std::atomic<bool> started{false};
    std::atomic<long> accepted{0};
    std::string refusal;
    std::thread poster([&] {
      started = true;
      for (;;) {
        try {
          loop->call_soon_threadsafe([] {});
          ++accepted;
        } catch (const asyncio::RuntimeError& e) {
          refusal = e.what();
          return;
        }
      }
    });
    while (!started) std::this_thread::yield();
    run_once(*loop);
    loop->close();
    poster.join();
    EXPECT_EQ(refusal, "Event loop is closed");
  }
}

// A flood of call_soon_threadsafe wakes the loop at most once per batch, not once per call:
// every wake-up is an Asio handler that the loop would run before getting back to its own
// work. Only a loop blocked in the io_context is woken; this one is not even running (it
// looks at the inbox before it blocks), so no wake-up is posted at all.
TEST(EventLoopCppTests, CallSoonThreadsafeWakesTheLoopOncePerBatch) {
  constexpr int kCalls = 1000;
  auto loop = new_test_loop();
  std::vector<int> order;
  std::thread poster([&] {
    for (int i = 0; i < kCalls; ++i)
      loop->call_soon_threadsafe([&order, i] { order.push_back(i); });
  });
  poster.join();
  EXPECT_EQ(loop->get_io_context().poll(), 0u);  // not blocked: no wake-up
  asyncio::testing::run_briefly(*loop);
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kCalls));
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  loop->close();
}

// One iteration takes a bounded batch of other threads' callbacks: the loop's own tasks
// and timers get a turn between batches (Python runs what was ready when the iteration
// began; a foreign flood must not turn one iteration into seconds).
TEST(EventLoopCppTests, CallSoonThreadsafeFloodLeavesTurnsForTheLoopsOwnWork) {
  constexpr int kCalls = 20'000;
  constexpr int kMaxBatch = 1024;
  auto loop = new_test_loop();
  int ran = 0;
  int next_expected = 0;
  bool in_order = true;
  std::thread poster([&] {
    for (int i = 0; i < kCalls; ++i) {
      loop->call_soon_threadsafe([&, i] {
        in_order = in_order && i == next_expected++;
        ++ran;
      });
    }
  });
  poster.join();
  int largest_gap = 0;
  int steps = 0;
  auto stepper = [](int& ran, int& largest, int& steps) -> awaitable<void> {
    int seen = ran;
    while (ran < kCalls) {
      co_await asyncio::sleep(0);
      largest = std::max(largest, ran - seen);
      seen = ran;
      ++steps;
    }
  };
  loop->run_until_complete(stepper(ran, largest_gap, steps));
  EXPECT_EQ(ran, kCalls);
  EXPECT_TRUE(in_order);
  EXPECT_LE(largest_gap, kMaxBatch);
  EXPECT_GE(steps, kCalls / kMaxBatch);
  loop->close();
}

// --- call_soon_threadsafe on the loop's own thread, and debug mode's thread checks ----------

// Python appends call_soon_threadsafe's callback to the same ready deque as call_soon's, so
// on the loop's own thread the two keep FIFO order, while the loop runs as before it runs.
// The Python twin prints [1, 2, 3, 4, 5] and ['a', 'b', 'c']:
//   async def main():
//       loop = asyncio.get_running_loop()
//       loop.call_soon(order.append, 1); loop.call_soon_threadsafe(order.append, 2)
//       loop.call_soon(order.append, 3); loop.call_soon_threadsafe(order.append, 4)
//       loop.call_soon(order.append, 5)
//       await asyncio.sleep(0); await asyncio.sleep(0); print(order)
//   loop = asyncio.new_event_loop()
//   loop.call_soon_threadsafe(order.append, 'a'); loop.call_soon(order.append, 'b')
//   loop.call_soon_threadsafe(order.append, 'c'); loop.call_soon(loop.stop); loop.run_forever()
TEST(EventLoopThreadTests, test_call_soon_threadsafe_same_thread_fifo) {
  auto loop = new_test_loop();
  std::vector<std::string> order;
  auto append = [&order](std::string s) { order.push_back(std::move(s)); };
  auto main = [](EventLoop& l, decltype(append) add) -> awaitable<void> {
    l.call_soon(add, "1");
    l.call_soon_threadsafe(add, "2");
    l.call_soon(add, "3");
    l.call_soon_threadsafe(add, "4");
    l.call_soon(add, "5");
    co_await asyncio::sleep(0);
    co_await asyncio::sleep(0);
  };
  loop->run_until_complete(main(*loop, append));
  EXPECT_EQ(order, (std::vector<std::string>{"1", "2", "3", "4", "5"}));

  order.clear();
  loop->call_soon_threadsafe(append, "a");
  loop->call_soon(append, "b");
  loop->call_soon_threadsafe(append, "c");
  loop->call_soon([&loop] { loop->stop(); });
  loop->run_forever();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
  loop->close();
}

namespace {

/// Runs `op` on another thread (a worker of the default executor) while the loop runs: the
/// message of the RuntimeError it raised, or what happened instead.
template <typename F>
awaitable<std::string> raised_on_other_thread(F op) {
  co_return co_await asyncio::to_thread([op]() mutable -> std::string {
    try {
      op();
    } catch (const asyncio::RuntimeError& e) {
      return e.what();
    } catch (...) {
      return "raised " + asyncio::format_exception(std::current_exception());
    }
    return "raised nothing";
  });
}

/// A debug-mode test body: the loop runs in debug mode (on the virtual clock, which waits
/// for the other thread).
void run_debug(awaitable<void> body) {
  asyncio::testing::run_test(std::move(body), {.debug = true, .virtual_time = true});
}

awaitable<void> check_thread_future() {
  auto fut = asyncio::get_running_loop().create_future<int>();
  auto awaiter = asyncio::create_task([fut]() -> awaitable<int> { co_return co_await fut; });
  co_await asyncio::sleep(0);
  // Through a pointer: a handle's reference count belongs to the loop's thread.
  auto* f = &fut;
  EXPECT_EQ(co_await raised_on_other_thread([f] { f->set_result(1); }), kForeignThreadMessage);
  EXPECT_EQ(co_await raised_on_other_thread([f] { f->set_exception(asyncio::ValueError("boom")); }),
            kForeignThreadMessage);
  EXPECT_EQ(co_await raised_on_other_thread([f] { f->cancel(); }), kForeignThreadMessage);
  EXPECT_EQ(co_await raised_on_other_thread(
                [f] { f->add_done_callback([](const asyncio::Future<int>&) {}); }),
            kForeignThreadMessage);
  EXPECT_FALSE(fut.done());
  fut.set_result(7);  // on the loop's thread
  EXPECT_EQ(co_await awaiter, 7);
}

awaitable<void> check_thread_task() {
  auto task = asyncio::create_task(asyncio::sleep(3600));
  co_await asyncio::sleep(0);
  auto* t = &task;  // through a pointer, as the future above
  EXPECT_EQ(co_await raised_on_other_thread([t] { t->cancel(); }), kForeignThreadMessage);
  EXPECT_EQ(co_await raised_on_other_thread(
                [t] { t->add_done_callback([](const asyncio::Task<void>&) {}); }),
            kForeignThreadMessage);
  EXPECT_FALSE(task.cancelled());
  task.cancel();
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(task));
}

awaitable<void> check_thread_event() {
  asyncio::Event event;
  auto waiter = asyncio::create_task(event.wait());
  co_await asyncio::sleep(0);
  EXPECT_EQ(co_await raised_on_other_thread([&event] { event.set(); }), kForeignThreadMessage);
  EXPECT_EQ(co_await raised_on_other_thread([&event] { event.clear(); }), kForeignThreadMessage);
  EXPECT_FALSE(event.is_set());
  event.set();
  EXPECT_TRUE(co_await waiter);
}

awaitable<void> check_thread_lock() {
  asyncio::Lock lock;
  co_await lock.acquire();
  auto waiter = asyncio::create_task(lock.acquire());
  co_await asyncio::sleep(0);
  EXPECT_EQ(co_await raised_on_other_thread([&lock] { lock.release(); }), kForeignThreadMessage);
  EXPECT_TRUE(lock.locked());
  lock.release();
  EXPECT_TRUE(co_await waiter);
  lock.release();
}

awaitable<void> check_thread_semaphore() {
  asyncio::Semaphore sem(0);
  asyncio::BoundedSemaphore bounded(1);
  co_await bounded.acquire();
  auto waiter = asyncio::create_task(sem.acquire());
  auto bounded_waiter = asyncio::create_task(bounded.acquire());
  co_await asyncio::sleep(0);
  EXPECT_EQ(co_await raised_on_other_thread([&sem] { sem.release(); }), kForeignThreadMessage);
  EXPECT_EQ(co_await raised_on_other_thread([&bounded] { bounded.release(); }),
            kForeignThreadMessage);
  sem.release();
  bounded.release();
  EXPECT_TRUE(co_await waiter);
  EXPECT_TRUE(co_await bounded_waiter);
  bounded.release();
}

awaitable<void> check_thread_condition() {
  asyncio::Condition cond;
  auto waiter = asyncio::create_task([&cond]() -> awaitable<void> {
    auto held = co_await cond.scoped();
    co_await cond.wait();
  });
  co_await asyncio::sleep(0);
  // Checked before the lock: not "cannot notify on un-acquired lock".
  EXPECT_EQ(co_await raised_on_other_thread([&cond] { cond.notify(); }), kForeignThreadMessage);
  EXPECT_EQ(co_await raised_on_other_thread([&cond] { cond.notify_all(); }), kForeignThreadMessage);
  {
    auto held = co_await cond.scoped();
    cond.notify();
  }
  co_await waiter;
}

// The barrier's last party arrives in a task of a second loop, on another thread: waking the
// first loop's waiter from there raises (Python: the same call_soon check).
awaitable<void> check_thread_barrier() {
  asyncio::Barrier barrier(2);
  auto waiter = asyncio::create_task(barrier.wait());
  co_await asyncio::sleep(0);
  EXPECT_EQ(co_await raised_on_other_thread([&barrier] {
              auto loop2 = asyncio::new_event_loop();
              loop2->run_until_complete(barrier.wait());
              loop2->close();
            }),
            kForeignThreadMessage);
  waiter.cancel();
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::CancelledError>(waiter));
}

awaitable<void> check_thread_queue() {
  asyncio::Queue<int> empty;
  auto getter = asyncio::create_task(empty.get());
  asyncio::Queue<int> full(1);
  full.put_nowait(1);
  auto putter = asyncio::create_task(full.put(2));
  co_await asyncio::sleep(0);
  EXPECT_EQ(co_await raised_on_other_thread([&empty] { empty.put_nowait(1); }),
            kForeignThreadMessage);
  EXPECT_EQ(co_await raised_on_other_thread([&full] { (void)full.get_nowait(); }),
            kForeignThreadMessage);
  EXPECT_EQ(empty.qsize(), 0u);
  EXPECT_EQ(full.qsize(), 1u);
  empty.put_nowait(5);
  EXPECT_EQ(co_await getter, 5);
  EXPECT_EQ(full.get_nowait(), 1);
  co_await putter;
  EXPECT_EQ(full.get_nowait(), 2);
}

}  // namespace

// Python's check_thread covers call_soon, call_later and call_at (test_check_thread above).
// Every other loop-only operation of a loop-bound object reaches call_soon in Python when it
// wakes someone; here each such operation checks first, in debug mode only. A primitive (Lock,
// Event...) belongs to the loop of the tasks that wait on it.
TEST(BaseEventLoopThreadTests, test_check_thread_future) {
  run_debug(check_thread_future());
}
TEST(BaseEventLoopThreadTests, test_check_thread_task) {
  run_debug(check_thread_task());
}
TEST(BaseEventLoopThreadTests, test_check_thread_event) {
  run_debug(check_thread_event());
}
TEST(BaseEventLoopThreadTests, test_check_thread_lock) {
  run_debug(check_thread_lock());
}
TEST(BaseEventLoopThreadTests, test_check_thread_semaphore) {
  run_debug(check_thread_semaphore());
}
TEST(BaseEventLoopThreadTests, test_check_thread_condition) {
  run_debug(check_thread_condition());
}
TEST(BaseEventLoopThreadTests, test_check_thread_barrier) {
  run_debug(check_thread_barrier());
}
TEST(BaseEventLoopThreadTests, test_check_thread_queue) {
  run_debug(check_thread_queue());
}
