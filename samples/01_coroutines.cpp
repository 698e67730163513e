// Tutorial 3.0, coroutines: a coroutine runs only when awaited, and awaiting one after the
// other takes the sum of their times.
#include "tutorial.hpp"

using tutorial::fetch_data;

// Python: async def main(): print("Start of the main coroutine")
asyncio::awaitable<void> main_coroutine() {
  std::cout << "Start of the main coroutine\n";
  co_return;
}

// Python: result1 = await task1; ...; result2 = await task2  (ran in 4 seconds)
asyncio::awaitable<void> sequential() {
  auto task1 = fetch_data(1, 2);
  auto task2 = fetch_data(2, 2);

  auto result1 = co_await std::move(task1);
  std::cout << "Received result: " << result1 << '\n';

  auto result2 = co_await std::move(task2);
  std::cout << "Received result: " << result2 << '\n';
}

int main(int argc, char** argv) {
  const auto options = tutorial::options(argc, argv);

  // Python: main()  ->  <coroutine object main at 0x...>: calling does not run it.
  {
    asyncio::awaitable<void> not_started = main_coroutine();
    std::cout << "<coroutine object main_coroutine: not started until awaited>\n";
  }

  // Python (Jupyter): await main()  ->  in C++, asyncio::run drives it.
  asyncio::run(main_coroutine(), options);

  // Python: asyncio.run(main()) inside a running loop raises RuntimeError.
  asyncio::run(
      []() -> asyncio::awaitable<void> {
        try {
          asyncio::run(main_coroutine());
        } catch (const asyncio::RuntimeError& e) {
          std::cout << "RuntimeError: " << e.what() << '\n';
        }
        co_return;
      }(),
      options);

  tutorial::timed_run(sequential(), options);
}
