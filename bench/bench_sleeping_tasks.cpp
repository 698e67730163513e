// Memory per concurrent sleeping task: 1M tasks parked in sleep(), resident bytes each.
#include "bench_common.hpp"

#include <vector>

namespace {

int task_count(benchmark::State& state) {
  return static_cast<int>(state.range(0));
}

asyncio::awaitable<void> sleeper() {
  co_await asyncio::sleep(std::chrono::hours(1));
}

asyncio::awaitable<void> asyncio_main(int n, double& bytes_per_task) {
  std::vector<asyncio::Task<void>> tasks;
  tasks.reserve(n);
  const long before = bench::resident_bytes();
  for (int i = 0; i < n; ++i) tasks.push_back(asyncio::create_task(sleeper()));
  co_await asyncio::sleep(0);  // every task has started and is parked in its sleep
  co_await asyncio::sleep(0);
  bytes_per_task = double(bench::resident_bytes() - before) / n;
  for (auto& t : tasks) t.cancel();
}

void BM_asyncio_sleeping_tasks(benchmark::State& state) {
  double per_task = 0;
  for (auto _ : state) asyncio::run(asyncio_main(task_count(state), per_task));
  state.counters["bytes_per_task"] = per_task;
}

// Raw Asio: co_spawn one coroutine per task, each waiting on its own steady_timer.
bench::asio::awaitable<void> asio_sleeper() {
  bench::asio::steady_timer t(co_await bench::asio::this_coro::executor, std::chrono::hours(1));
  boost::system::error_code ec;
  co_await t.async_wait(bench::asio::redirect_error(bench::asio::use_awaitable, ec));
}

void BM_asio_sleeping_tasks(benchmark::State& state) {
  double per_task = 0;
  for (auto _ : state) {
    bench::asio::io_context ctx(1);
    const int n = task_count(state);
    const long before = bench::resident_bytes();
    for (int i = 0; i < n; ++i) bench::asio::co_spawn(ctx, asio_sleeper(), bench::asio::detached);
    ctx.poll();  // every coroutine has started and waits on its timer
    per_task = double(bench::resident_bytes() - before) / n;
    ctx.stop();
  }
  state.counters["bytes_per_task"] = per_task;
}

}  // namespace

BENCHMARK(BM_asyncio_sleeping_tasks)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_sleeping_tasks)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
