// C++-only behaviour of the virtual clock (no CPython twin).
#include <asyncio/event_loop.hpp>

#include "asyncio_test.hpp"

#include <boost/asio/steady_timer.hpp>

#include <string>
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
