// Tutorial 5.0, Lock: only one coroutine at a time in the critical section (ran in 5 s).
#include "tutorial.hpp"

#include <vector>

// A shared resource e.g., database connections, tables, files, etc.
int shared_resource = 0;

// Python: async def modify_shared_resource()
asyncio::awaitable<void> modify_shared_resource(asyncio::Lock& lock) {
  auto held = co_await lock.scoped();  // Python: async with lock:
  // Critical section starts
  std::cout << "Resouce before modification: " << shared_resource << '\n';
  shared_resource += 1;        // Modify the shared resource
  co_await asyncio::sleep(1);  // Simulate an IO operation
  std::cout << "Resource after modification: " << shared_resource << '\n';
  // Critical section ends (the lock is released when `held` goes away)
}

asyncio::awaitable<void> main_coroutine() {
  asyncio::Lock lock;  // An asyncio Lock
  std::vector<asyncio::awaitable<void>> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(modify_shared_resource(lock));
  co_await asyncio::gather(std::move(jobs));
}

int main(int argc, char** argv) {
  tutorial::timed_run(main_coroutine(), tutorial::options(argc, argv));
}
