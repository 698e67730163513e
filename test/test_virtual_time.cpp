// C++-only behaviour of the virtual clock (no CPython twin).
#include <asyncio/asyncio.hpp>
#include <asyncio/event_loop.hpp>

#include "asyncio_test.hpp"

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <limits>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using asyncio::testing::now;

ASYNCIO_TEST(VirtualTime, StartsAtZeroAndJumpsToTimers) {
  EXPECT_EQ(now(), 0.0);
  co_await asyncio::sleep(2);
  EXPECT_EQ(now(), 2.0);
  co_await asyncio::sleep(1500ms);
  EXPECT_EQ(now(), 3.5);
}

ASYNCIO_TEST(VirtualTime, ConcurrentSleepsOverlap) {
  auto a = asyncio::create_task(asyncio::sleep(3s));
  auto b = asyncio::create_task([]() -> asyncio::awaitable<double> {
    co_await asyncio::sleep(1s);
    co_return now();
  }());
  EXPECT_EQ(co_await b, 1.0);
  co_await a;
  EXPECT_EQ(now(), 3.0);
}

ASYNCIO_TEST(VirtualTime, EqualDeadlinesFireInSchedulingOrder) {
  std::vector<int> order;
  auto& loop = asyncio::get_running_loop();
  for (int i = 0; i < 5; ++i) loop.call_later(1.0, [&order, i] { order.push_back(i); });
  co_await asyncio::sleep(2);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

ASYNCIO_TEST(VirtualTime, NowMatchesTime) {
  co_await asyncio::sleep(0.25);
  auto& loop = asyncio::get_running_loop();
  EXPECT_EQ(loop.now().time_since_epoch(), 250ms);
  EXPECT_EQ(loop.time(), 0.25);
}

ASYNCIO_TEST(VirtualTime, SleepForeverIsCancellable) {
  auto t = asyncio::create_task(asyncio::sleep(std::chrono::hours::max()));
  co_await asyncio::sleep(0);
  t.cancel();
  try {
    co_await t;
    ADD_FAILURE() << "expected CancelledError";
  } catch (const asyncio::CancelledError&) {
  }
  EXPECT_EQ(now(), 0.0);
}

// An infinite delay means never: under virtual time the clock does not jump to it.
ASYNCIO_TEST(VirtualTime, InfiniteSleepNeverFires) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  auto forever = asyncio::create_task(asyncio::sleep(inf));
  auto later = asyncio::create_task(asyncio::sleep(std::chrono::hours::max()));
  co_await asyncio::sleep(10);
  EXPECT_EQ(now(), 10.0);
  EXPECT_FALSE(forever.done());
  EXPECT_FALSE(later.done());
  forever.cancel();
  later.cancel();
  co_await asyncio::sleep(0);
  EXPECT_TRUE(forever.cancelled());
  EXPECT_TRUE(later.cancelled());
}

namespace {
// Runs `main` on a virtual-time loop and gives the message of the RuntimeError it raised.
std::string deadlock_message(asyncio::awaitable<void> main) {
  try {
    asyncio::run(std::move(main), {.virtual_time = true});
  } catch (const asyncio::RuntimeError& e) {
    return e.what();
  } catch (...) {
    return "raised " + asyncio::testing::describe(std::current_exception());
  }
  return "returned";
}
}  // namespace

// When nothing can ever happen again, run() says so instead of hanging (or, with an
// infinite timer, jumping to the end of time).
TEST(VirtualTime, SleepForeverAloneIsADeadlock) {
  const std::string message = deadlock_message([]() -> asyncio::awaitable<void> {
    co_await asyncio::sleep(std::numeric_limits<double>::infinity());
  }());
  EXPECT_NE(message.find("Deadlock: nothing can happen any more"), std::string::npos) << message;
  EXPECT_NE(message.find("1 task waits:\n  <Task pending name='Task-"), std::string::npos)
      << message;
}

TEST(VirtualTime, WaitForWithInfiniteTimeoutNeverTimesOut) {
  const std::string message = deadlock_message([]() -> asyncio::awaitable<void> {
    asyncio::Future<int> never;
    co_await asyncio::wait_for(never, std::numeric_limits<double>::infinity());
  }());
  EXPECT_NE(message.find("Deadlock"), std::string::npos) << message;
}

TEST(VirtualTime, DeadlockNamesTheWaitingTasks) {
  const std::string message = deadlock_message([]() -> asyncio::awaitable<void> {
    asyncio::Event event;
    asyncio::Future<int> answer;
    asyncio::create_task(
        [](asyncio::Event& e) -> asyncio::awaitable<void> { co_await e.wait(); }(event),
        "event-waiter");
    co_await asyncio::sleep(5);
    co_await answer;
  }());
  EXPECT_NE(message.find("2 tasks wait:"), std::string::npos) << message;
  EXPECT_NE(message.find("<Task pending name='event-waiter' wait_for=<asyncio.locks.Event "
                         "object [unset, waiters:1]>>"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("wait_for=<Future pending>"), std::string::npos) << message;
}

// I/O still pending in Asio is not a deadlock: the loop waits for it. Here a socket read
// completes from another thread's write (no sleeping: it may come before or after the
// loop runs out of other work).
ASYNCIO_TEST(VirtualTime, PendingAsioIoFromAnotherThreadIsNotADeadlock) {
  auto& io = asyncio::get_running_loop().get_io_context();
  boost::asio::local::stream_protocol::socket a(io), b(io);
  boost::asio::local::connect_pair(a, b);
  std::thread writer([&b] { boost::asio::write(b, boost::asio::buffer("x", 1)); });
  char c = 0;
  const std::size_t n =
      co_await a.async_read_some(boost::asio::buffer(&c, 1), asyncio::use_awaitable);
  writer.join();
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(c, 'x');
  EXPECT_EQ(now(), 0.0);
}

// --- Issue 9's public names: exact delays, call_at(time_point), ensure_future, Awaitable ---

static_assert(asyncio::Awaitable<asyncio::awaitable<int>>);
static_assert(asyncio::Awaitable<asyncio::Task<int>>);
static_assert(asyncio::Awaitable<decltype(asyncio::sleep(1))>);
static_assert(!asyncio::Awaitable<int>);
static_assert(std::is_same_v<asyncio::await_result_t<asyncio::Future<long>>, long>);

ASYNCIO_TEST(VirtualTime, DelayIsExactNanoseconds) {
  EXPECT_EQ(asyncio::Delay(100ms).count(), 100'000'000);
  EXPECT_EQ(asyncio::Delay(0.1).count(), 100'000'000);
  EXPECT_EQ(asyncio::Delay(std::chrono::hours::max()).count(), asyncio::detail::kNever);
  auto& loop = asyncio::get_running_loop();
  const auto start = loop.now();
  // 1 ns past the deadline would not be reached by a sleep of exactly the same length.
  bool finished = false;
  try {
    co_await asyncio::timeout(100ms + 1ns, [&]() -> asyncio::awaitable<void> {
      co_await asyncio::sleep(100ms);
      finished = true;
    });
  } catch (const asyncio::TimeoutError&) {
  }
  EXPECT_TRUE(finished);
  EXPECT_EQ(loop.now() - start, 100ms);
  EXPECT_TRUE(co_await asyncio::testing::co_raises<asyncio::TimeoutError>(
      asyncio::wait_for(asyncio::sleep(100ms + 1ns), 100ms)));
  EXPECT_EQ(loop.now() - start, 200ms);
}

ASYNCIO_TEST(VirtualTime, CallAtTimePointIsExact) {
  auto& loop = asyncio::get_running_loop();
  const auto when = loop.now() + 1234567ns;
  asyncio::Future<void> fired(loop);
  asyncio::TimerHandle h = loop.call_at(when, [&] { fired.set_result(); });
  co_await fired;
  EXPECT_EQ(loop.now(), when);
}

ASYNCIO_TEST(VirtualTime, EnsureFutureWrapsOnlyWhatIsNoFuture) {
  auto& loop = asyncio::get_running_loop();
  asyncio::Future<int> f(loop);
  asyncio::Future<int> same = asyncio::ensure_future(f);
  EXPECT_TRUE(same == f);
  asyncio::Task<int> t = asyncio::ensure_future([]() -> asyncio::awaitable<int> { co_return 7; });
  EXPECT_EQ(co_await t, 7);
  EXPECT_TRUE(
      asyncio::holds<asyncio::ValueError>(std::make_exception_ptr(asyncio::ValueError("boom"))));
  EXPECT_EQ(asyncio::format_exception(std::make_exception_ptr(asyncio::ValueError("boom"))),
            "ValueError('boom')");
}
