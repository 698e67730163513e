// Beyond the tutorial, Queue: a pool of workers takes jobs from a queue; the producer waits
// until every job is done, then sends the workers home.
#include "tutorial.hpp"

#include <cmath>
#include <string>
#include <vector>

struct Job {
  int id;
  double seconds;  // how long the job takes
};

// Each worker takes the next job, does it, and marks it done, until it is cancelled.
asyncio::awaitable<void> worker(std::string name, asyncio::Queue<Job>& jobs, double& busy) {
  for (;;) {
    Job job = co_await jobs.get();
    co_await asyncio::sleep(job.seconds);
    busy += job.seconds;
    std::cout << name << " finished job " << job.id << " (" << job.seconds << " s)\n";
    jobs.task_done();
  }
}

asyncio::awaitable<void> main_coroutine() {
  asyncio::Queue<Job> jobs;
  const double durations[] = {0.5, 1.5, 1.0, 2.0, 0.5, 1.0, 1.5, 0.5};
  int id = 1;
  for (double seconds : durations) jobs.put_nowait({id++, seconds});

  double busy = 0;
  std::vector<asyncio::Task<void>> workers;
  for (int i = 1; i <= 3; ++i) {
    workers.push_back(asyncio::create_task(worker("worker-" + std::to_string(i), jobs, busy)));
  }

  auto& loop = asyncio::get_running_loop();
  const double started = loop.time();
  co_await jobs.join();  // until every job has been marked done
  const double elapsed = loop.time() - started;

  for (auto& w : workers) w.cancel();  // the workers loop forever: send them home
  co_await asyncio::gather(asyncio::return_exceptions, std::move(workers));

  // Rounded: in real time the clock adds a few microseconds of overhead.
  std::cout << "3 workers did " << busy << " s of work in " << std::round(elapsed * 100) / 100
            << " s\n";
}

int main(int argc, char** argv) {
  tutorial::timed_run(main_coroutine(), tutorial::options(argc, argv));
}
