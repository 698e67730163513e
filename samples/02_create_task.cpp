// Tutorial 3.0, create_task: tasks run concurrently, so the waits overlap.
#include "tutorial.hpp"

using tutorial::fetch_data;

// Python: main1: three tasks created up front (ran in 3 seconds)
asyncio::awaitable<void> main1() {
  // Create tasks for running coroutines concurrently
  auto task1 = asyncio::create_task(fetch_data(1, 2));
  auto task2 = asyncio::create_task(fetch_data(2, 3));
  auto task3 = asyncio::create_task(fetch_data(3, 1));

  auto result1 = co_await task1;
  auto result2 = co_await task2;
  auto result3 = co_await task3;

  std::cout << result1 << ' ' << result2 << ' ' << result3 << '\n';
}

// Python: main2: the third task is created only after the first two finish (ran in 4 seconds)
asyncio::awaitable<void> main2() {
  auto task1 = asyncio::create_task(fetch_data(1, 2));
  auto task2 = asyncio::create_task(fetch_data(2, 3));

  auto result1 = co_await task1;
  auto result2 = co_await task2;

  auto task3 = asyncio::create_task(fetch_data(3, 1));

  auto result3 = co_await task3;

  std::cout << result1 << ' ' << result2 << ' ' << result3 << '\n';
}

int main(int argc, char** argv) {
  const auto options = tutorial::options(argc, argv);
  tutorial::timed_run(main1(), options);
  tutorial::timed_run(main2(), options);
}
