// Tutorial 5.0, Semaphore: at most two coroutines use the resource at once (ran in 3 s).
#include "tutorial.hpp"

#include <vector>

// Python: async def access_resource(semaphore, resource_id)
asyncio::awaitable<void> access_resource(asyncio::Semaphore& semaphore, int resource_id) {
  auto held = co_await semaphore.scoped();  // Python: async with semaphore:
  // Simulate accessing a limited resource
  std::cout << "Accessing resource " << resource_id << '\n';
  co_await asyncio::sleep(1);  // Simulate work with the resource
  std::cout << "Releasing resource " << resource_id << '\n';
}

asyncio::awaitable<void> main_coroutine() {
  asyncio::Semaphore semaphore(2);  // allow 2 concurrent accesses
  std::vector<asyncio::awaitable<void>> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(access_resource(semaphore, i));
  co_await asyncio::gather(std::move(jobs));
}

int main(int argc, char** argv) {
  tutorial::timed_run(main_coroutine(), tutorial::options(argc, argv));
}
