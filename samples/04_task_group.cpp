// Tutorial 3.0, TaskGroup: the group waits for every task; if one fails, it cancels the rest.
#include "tutorial.hpp"

#include <vector>

using tutorial::fetch_data;

// Python: main4 (ran in 3 seconds)
asyncio::awaitable<void> main4() {
  std::vector<asyncio::Task<tutorial::Data>> tasks;
  // Python: async with asyncio.TaskGroup() as tg:
  co_await asyncio::task_group([&](asyncio::TaskGroup& tg) -> asyncio::awaitable<void> {
    const double sleep_times[] = {2, 1, 3};
    int i = 1;
    for (double sleep_time : sleep_times)
      tasks.push_back(tg.create_task(fetch_data(i++, sleep_time)));
    co_return;
  });

  // After the TaskGroup block, all tasks have completed
  for (auto& task : tasks) std::cout << "Received result: " << task.result() << '\n';
}

int main(int argc, char** argv) {
  tutorial::timed_run(main4(), tutorial::options(argc, argv));
}
