// Tutorial 3.0, gather: run coroutines concurrently and collect their results in order.
#include "tutorial.hpp"

using tutorial::fetch_data;

// Python: main3 (ran in 3 seconds)
asyncio::awaitable<void> main3() {
  // Run coroutines concurrently and gather their return values
  auto results = co_await asyncio::gather(fetch_data(1, 2), fetch_data(2, 1), fetch_data(3, 3));

  // Process the results
  std::apply(
      [](const auto&... result) { ((std::cout << "Received result: " << result << '\n'), ...); },
      results);
}

int main(int argc, char** argv) {
  tutorial::timed_run(main3(), tutorial::options(argc, argv));
}
