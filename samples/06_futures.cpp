// Tutorial 4.0, futures: a promise of a result that another task sets later.
#include "tutorial.hpp"

// Python: async def set_future_result(future, value)
asyncio::awaitable<void> set_future_result(asyncio::Future<std::string> future, std::string value) {
  co_await asyncio::sleep(2);

  // Set the result of the future
  future.set_result(value);
  std::cout << "Set the future's result to: " << value << '\n';
}

// Python: async def main5()
asyncio::awaitable<void> main5() {
  // Create a future object
  auto& loop = asyncio::get_running_loop();
  auto future = loop.create_future<std::string>();

  // Schedule setting the future's result
  asyncio::create_task(set_future_result(future, "Future result is ready."));

  // Wait for the future's result
  auto result = co_await future;
  std::cout << "Received the future's result: " << result << '\n';
}

int main(int argc, char** argv) {
  tutorial::timed_run(main5(), tutorial::options(argc, argv));
}
