#pragma once
// What every tutorial sample shares: the tutorial's fetch_data coroutine, its result
// printed as Python prints the dict, and the "--virtual-time" switch.

#include <asyncio/asyncio.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace tutorial {

/// Python: {"id": id, "data": f"Sample data from coroutine {id}"}
struct Data {
  int id;
  std::string data;
};

inline std::ostream& operator<<(std::ostream& os, const Data& d) {
  return os << "{'id': " << d.id << ", 'data': '" << d.data << "'}";
}

/// Python: async def fetch_data(id, sleep_time)
inline asyncio::awaitable<Data> fetch_data(int id, double sleep_time) {
  std::cout << "Coroutine " << id << " starting to fetch data.\n";
  co_await asyncio::sleep(sleep_time);  // Simulate a network request or I/O operation
  co_return Data{id, "Sample data from coroutine " + std::to_string(id)};
}

/// Prints how long the loop's clock took since `started`, as "ran in 3.00 seconds".
inline void print_elapsed(double started) {
  char line[48];
  std::snprintf(line, sizeof line, "ran in %.2f seconds\n",
                asyncio::get_running_loop().time() - started);
  std::cout << line;
}

/// `--virtual-time` runs the sample on the virtual clock (how the tests run it); without
/// it the sample takes real time, as the tutorial's notebook did.
inline asyncio::RunOptions options(int argc, char** argv) {
  asyncio::RunOptions o;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--virtual-time") == 0) o.virtual_time = true;
  }
  return o;
}

/// Runs `main` and prints how long it took, as the tutorial's comments say it
/// ("ran in 3 seconds").
template <typename T>
void timed_run(asyncio::awaitable<T> main, asyncio::RunOptions o) {
  double elapsed = 0;
  asyncio::run(
      [](asyncio::awaitable<T> m, double& out) -> asyncio::awaitable<void> {
        auto& loop = asyncio::get_running_loop();
        const double t0 = loop.time();
        co_await std::move(m);
        out = loop.time() - t0;
      }(std::move(main), elapsed),
      o);
  const long seconds = std::lround(elapsed);
  std::cout << "ran in " << seconds << (seconds == 1 ? " second" : " seconds") << '\n';
}

}  // namespace tutorial
