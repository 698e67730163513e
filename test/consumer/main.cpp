// A consumer of the installed (or added) library: one task, one sleep, one result.
#include <asyncio/asyncio.hpp>

#include <iostream>

asyncio::awaitable<int> answer() {
  co_await asyncio::sleep(0.5);
  co_return 42;
}

int main() {
  int v = asyncio::run(answer(), {.virtual_time = true});
  std::cout << "consumer got " << v << '\n';
  return v == 42 ? 0 : 1;
}
