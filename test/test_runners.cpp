// Port of CPython 3.13 Lib/test/test_asyncio/test_runners.py: asyncio::run and asyncio::Runner.
//
// Not ported:
// - RunTests.test_asyncio_run_only_coro, RunnerTests.test_run_non_coro, test_run_future: a
//   compile error in C++ (run() takes only an awaitable); checked by the static_asserts below.
// - RunTests.test_asyncio_run_set_event_loop: there are no event loop policies.
// - RunTests.test_asyncio_run_without_uncancel: needs a task factory and KeyboardInterrupt.
// - RunTests.test_asyncio_run_loop_factory, test_loop_factory_default_event_loop,
//   RunnerTests.test_custom_factory: there is no loop_factory.
// - RunnerTests.test_run_keeps_context: there are no contextvars.
// - RunnerTests.test_interrupt_call_soon, test_interrupt_wait, test_interrupt_cancelled_task,
//   test_signal_install_not_supported_ok: no SIGINT/KeyboardInterrupt handling.
// - The async-generator half of RunTests.test_asyncio_run_closes_gens_after_hanging_tasks_errors
//   (no async generators); the hanging-task half is ported.
// - The policy half of RunnerTests.test_set_event_loop_called_once (no policies); what is left
//   checks that one Runner keeps one loop across runs.
#include <asyncio/run.hpp>

#include "asyncio_test.hpp"

#include <functional>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

template <typename A>
concept runnable_by_runner = requires(asyncio::Runner& r, A a) {
  r.run(std::move(a));
};
template <typename A>
concept runnable_by_run = requires(A a) {
  asyncio::run(std::move(a));
};

}  // namespace

// run() returns main's value; void stays void.
static_assert(std::is_same_v<decltype(asyncio::run(std::declval<asyncio::awaitable<int>>())), int>);
static_assert(
    std::is_same_v<decltype(asyncio::run(std::declval<asyncio::awaitable<void>>())), void>);
static_assert(std::is_same_v<decltype(std::declval<asyncio::Runner&>().run(
                                 std::declval<asyncio::awaitable<std::string>>())),
                             std::string>);
// Python: test_asyncio_run_only_coro ("a coroutine was expected").
static_assert(runnable_by_run<asyncio::awaitable<int>>);
static_assert(!runnable_by_run<int>);
static_assert(!runnable_by_run<std::function<void()>>);
static_assert(!runnable_by_run<asyncio::Task<int>>);
// Python: RunnerTests.test_run_non_coro and test_run_future.
static_assert(runnable_by_runner<asyncio::awaitable<int>>);
static_assert(!runnable_by_runner<int>);
static_assert(!runnable_by_runner<asyncio::Future<int>>);
// Runner is not copyable (it owns its loop).
static_assert(!std::is_copy_constructible_v<asyncio::Runner>);

namespace {

using asyncio::awaitable;

struct ZeroDivisionError : std::runtime_error {
  ZeroDivisionError() : std::runtime_error("division by zero") {}
};

/// Python's `loop.is_closed()` on a loop that `runner.get_loop()` returned before the runner
/// was closed. `probe` is a future of that loop: through it the check cannot touch a loop the
/// runner has destroyed.
::testing::AssertionResult loop_is_closed(const asyncio::Future<void>& probe) {
  asyncio::EventLoop* loop = nullptr;
  try {
    loop = &probe.get_loop();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure()
           << "the runner's loop no longer exists after close(); Python keeps it, closed ("
           << e.what() << ")";
  }
  if (!loop->is_closed()) return ::testing::AssertionFailure() << "the loop is not closed";
  return ::testing::AssertionSuccess();
}

awaitable<int> return_42() {
  co_await asyncio::sleep(0);
  co_return 42;
}

awaitable<void> raise_spam() {
  co_await asyncio::sleep(0);
  throw asyncio::ValueError("spam");
}

awaitable<void> check_debug(bool expected) {
  EXPECT_EQ(asyncio::get_running_loop().get_debug(), expected);
  co_return;
}

/// Python: `leftover()` (sleeps 0.1 s); its clean-up on cancellation awaits too.
awaitable<void> leftover(std::vector<std::string>& log) {
  bool cancelled = false;
  try {
    co_await asyncio::sleep(0.1);
  } catch (const asyncio::CancelledError&) {
    cancelled = true;
  }
  if (cancelled) {
    co_await asyncio::sleep(0);
    co_await asyncio::sleep(0.5);
    log.push_back("cleaned up");
    throw asyncio::CancelledError();
  }
}

awaitable<void> raise_on_cancel() {
  try {
    co_await asyncio::sleep(0.1);
  } catch (const asyncio::CancelledError&) {
    throw ZeroDivisionError();
  }
}

/// Python: test_no_repr_is_call_on_the_task_result's MyResult; operator<< is C++'s repr.
struct MyResult {
  int* repr_count;
  friend std::ostream& operator<<(std::ostream& os, const MyResult& r) {
    ++*r.repr_count;
    return os << "<MyResult>";
  }
};

}  // namespace

// --- RunTests ------------------------------------------------------------------------------

TEST(RunTests, test_asyncio_run_return) {
  EXPECT_EQ(asyncio::run(return_42()), 42);
}

TEST(RunTests, test_asyncio_run_raises) {
  EXPECT_TRUE(
      asyncio::testing::raises<asyncio::ValueError>([] { asyncio::run(raise_spam()); }, "spam"));
}

TEST(RunTests, test_asyncio_run_debug) {
  asyncio::run(check_debug(false), {.debug = false});
  asyncio::run(check_debug(true), {.debug = true});
  // The default is not debug (Python: unless PYTHONASYNCIODEBUG or -X dev).
  asyncio::run(check_debug(false));
}

TEST(RunTests, test_asyncio_run_from_running_loop) {
  auto main = []() -> awaitable<void> {
    asyncio::run(return_42());
    ADD_FAILURE() << "asyncio::run inside a running loop returned";
    co_return;
  };
  EXPECT_TRUE(asyncio::testing::raises<asyncio::RuntimeError>(
      [&] { asyncio::run(main()); },
      R"(^asyncio\.run\(\) cannot be called from a running event loop$)"));
}

TEST(RunTests, test_asyncio_run_cancels_hanging_tasks) {
  asyncio::Task<void> lo_task;
  std::vector<std::string> log;
  auto main = [](asyncio::Task<void>& lo, std::vector<std::string>& out) -> awaitable<int> {
    lo = asyncio::create_task(leftover(out));
    co_return 123;
  };
  EXPECT_EQ(asyncio::run(main(lo_task, log), {.virtual_time = true}), 123);
  ASSERT_TRUE(lo_task);
  EXPECT_TRUE(lo_task.done());
  // Beyond CPython's assertions (same results in Python 3.13): the task was cancelled, and
  // awaited to its end, clean-up awaits included.
  EXPECT_TRUE(lo_task.cancelled());
  EXPECT_EQ(log, std::vector<std::string>{"cleaned up"});
}

TEST(RunTests, test_asyncio_run_reports_hanging_tasks_errors) {
  asyncio::Task<void> lo_task;
  std::vector<asyncio::ExceptionContext> calls;
  auto main = [](asyncio::Task<void>& lo,
                 std::vector<asyncio::ExceptionContext>& handler_calls) -> awaitable<int> {
    asyncio::get_running_loop().set_exception_handler(
        [&handler_calls](asyncio::EventLoop&, const asyncio::ExceptionContext& context) {
          handler_calls.push_back(context);
        });
    lo = asyncio::create_task(raise_on_cancel());
    co_return 123;
  };
  EXPECT_EQ(asyncio::run(main(lo_task, calls), {.virtual_time = true}), 123);
  ASSERT_TRUE(lo_task);
  EXPECT_TRUE(lo_task.done());

  ASSERT_FALSE(calls.empty()) << "the exception handler was not called";
  const asyncio::ExceptionContext& context = calls.back();
  EXPECT_TRUE(std::regex_search(context.message, std::regex("asyncio.run.*shutdown")))
      << context.message;
  EXPECT_EQ(context.message, "unhandled exception during asyncio.run() shutdown");
  // Python: 'task': lo_task.
  EXPECT_NE(context.object.find("name='" + lo_task.get_name() + "'"), std::string::npos)
      << context.object;
  ASSERT_TRUE(context.exception);
  EXPECT_THROW(std::rethrow_exception(context.exception), ZeroDivisionError);
}

TEST(RunTests, test_asyncio_run_closes_gens_after_hanging_tasks_errors) {
  struct FancyExit : std::exception {};
  asyncio::Task<void> lazyboy;
  auto spin = []() -> awaitable<void> {
    try {
      for (;;) co_await asyncio::sleep(1);
    } catch (const asyncio::CancelledError&) {
      throw ZeroDivisionError();
    }
  };
  auto main = [](asyncio::Task<void>& lazy, awaitable<void> body) -> awaitable<void> {
    asyncio::get_running_loop().set_exception_handler(
        [](asyncio::EventLoop&, const asyncio::ExceptionContext&) {});
    lazy = asyncio::create_task(std::move(body));
    throw FancyExit();
    co_return;
  };
  EXPECT_THROW(asyncio::run(main(lazyboy, spin()), {.virtual_time = true}), FancyExit);
  ASSERT_TRUE(lazyboy);
  EXPECT_TRUE(lazyboy.done());
}

// --- RunnerTests ---------------------------------------------------------------------------

TEST(RunnerTests, test_non_debug) {
  asyncio::Runner runner({.debug = false});
  EXPECT_FALSE(runner.get_loop().get_debug());
}

TEST(RunnerTests, test_debug) {
  asyncio::Runner runner({.debug = true});
  EXPECT_TRUE(runner.get_loop().get_debug());
}

TEST(RunnerTests, test_run) {
  auto f = []() -> awaitable<std::string> {
    co_await asyncio::sleep(0);
    co_return "done";
  };
  asyncio::Runner runner;
  EXPECT_EQ("done", runner.run(f()));
  asyncio::Future<void> probe = runner.get_loop().create_future<void>();  // `loop = ...`
  runner.close();  // the end of Python's `with` block

  EXPECT_TRUE(asyncio::testing::raises<asyncio::RuntimeError>([&] { runner.get_loop(); },
                                                              "Runner is closed"));
  EXPECT_TRUE(loop_is_closed(probe));
}

TEST(RunnerTests, test_explicit_close) {
  asyncio::Runner runner;
  asyncio::Future<void> probe = runner.get_loop().create_future<void>();
  runner.close();
  EXPECT_TRUE(asyncio::testing::raises<asyncio::RuntimeError>([&] { runner.get_loop(); },
                                                              "Runner is closed"));
  EXPECT_TRUE(loop_is_closed(probe));
}

TEST(RunnerTests, test_double_close) {
  asyncio::Runner runner;
  asyncio::Future<void> probe = runner.get_loop().create_future<void>();

  runner.close();
  EXPECT_TRUE(loop_is_closed(probe));

  // the second call is no-op
  EXPECT_NO_THROW(runner.close());
  EXPECT_TRUE(loop_is_closed(probe));
}

TEST(RunnerTests, test_second_with_block_raises) {
  std::vector<int> ret;
  auto f = [](std::vector<int>& out, int arg) -> awaitable<void> {
    out.push_back(arg);
    co_return;
  };
  asyncio::Runner runner;
  runner.run(f(ret, 1));
  runner.close();

  EXPECT_TRUE(asyncio::testing::raises<asyncio::RuntimeError>([&] { runner.run(f(ret, 2)); },
                                                              "Runner is closed"));
  EXPECT_EQ(ret, std::vector<int>{1});
}

TEST(RunnerTests, test_recursive_run) {
  auto g = []() -> awaitable<void> { co_return; };
  auto f = [](asyncio::Runner& r, awaitable<void> inner) -> awaitable<void> {
    r.run(std::move(inner));
    ADD_FAILURE() << "Runner.run inside a running loop returned";
    co_return;
  };
  asyncio::Runner runner;
  EXPECT_TRUE(asyncio::testing::raises<asyncio::RuntimeError>(
      [&] { runner.run(f(runner, g())); },
      R"(^Runner\.run\(\) cannot be called from a running event loop$)"));
}

// Python: gh-95736, a Runner sets its loop up once. What C++ can observe: every run() of one
// Runner runs on the same loop, the one get_loop() returns.
TEST(RunnerTests, test_set_event_loop_called_once) {
  auto coro = []() -> awaitable<asyncio::EventLoop*> { co_return &asyncio::get_running_loop(); };
  asyncio::Runner runner;
  asyncio::EventLoop* first = runner.run(coro());
  asyncio::EventLoop* second = runner.run(coro());
  EXPECT_EQ(first, second);
  EXPECT_EQ(first, &runner.get_loop());
  runner.close();
}

TEST(RunnerTests, test_no_repr_is_call_on_the_task_result) {
  // Python: gh-112559. operator<< is C++'s repr.
  int repr_count = 0;
  auto coro = [](int* count) -> awaitable<MyResult> { co_return MyResult{count}; };
  {
    asyncio::Runner runner;
    MyResult result = runner.run(coro(&repr_count));
    EXPECT_EQ(result.repr_count, &repr_count);
  }
  EXPECT_EQ(0, repr_count);
}

// C++ only: the destructor is the end of Python's `with asyncio.Runner() as runner:` block.
// It cancels the pending tasks, awaits them, and closes the loop.
TEST(RunnerTests, DestructorClosesTheLoop) {
  asyncio::Task<void> lo_task;
  std::vector<std::string> log;
  std::optional<asyncio::Future<void>> probe;
  auto main = [](asyncio::Task<void>& lo, std::vector<std::string>& out) -> awaitable<void> {
    lo = asyncio::create_task(leftover(out));
    co_await asyncio::sleep(0);
  };
  {
    asyncio::Runner runner({.virtual_time = true});
    runner.run(main(lo_task, log));
    probe = runner.get_loop().create_future<void>();
    EXPECT_FALSE(lo_task.done());
  }
  ASSERT_TRUE(lo_task);
  EXPECT_TRUE(lo_task.cancelled());
  EXPECT_EQ(log, std::vector<std::string>{"cleaned up"});
  // The loop went with the runner: the future outlives it and says so.
  EXPECT_THROW(probe->get_loop(), asyncio::RuntimeError);
}

// --- RunnerCppTests (no CPython twin) --------------------------------------------------------

namespace {
awaitable<void> await_chain(int n, int& cancelled) {
  try {
    if (n == 0) {
      co_await asyncio::sleep(3600);
    } else {
      co_await asyncio::create_task(await_chain(n - 1, cancelled));
    }
  } catch (const asyncio::CancelledError&) {
    ++cancelled;
    throw;
  }
}
}  // namespace

// run() cancels the tasks still pending at exit in one bulk cancellation: a chain of
// 100,000 tasks each awaiting the next is cancelled in linear time (Python's walk, and a
// loop of cancel() calls, is quadratic: about 10^10 steps here, far past the test timeout).
TEST(RunnerCppTests, ShutdownCancelsALongAwaitChainInLinearTime) {
  constexpr int kTasks = 100'000;
  int cancelled = 0;
  auto main = [](int& count) -> awaitable<void> {
    asyncio::create_task(await_chain(kTasks - 1, count));
    co_await asyncio::sleep(1);  // the whole chain is waiting
    EXPECT_EQ(asyncio::all_tasks().size(), static_cast<std::size_t>(kTasks) + 1);
  };
  asyncio::run(main(cancelled), {.virtual_time = true});
  EXPECT_EQ(cancelled, kTasks);
}
