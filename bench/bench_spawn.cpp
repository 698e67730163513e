// Spawn-and-await of many trivial tasks: asyncio::create_task vs raw co_spawn.
#include "bench_common.hpp"

#include <boost/asio/redirect_error.hpp>

#include <vector>

namespace {

constexpr int kTasks = 200'000;

asyncio::awaitable<int> trivial(int i) {
  co_return i;
}

asyncio::awaitable<long> asyncio_main(int n) {
  std::vector<asyncio::Task<int>> tasks;
  tasks.reserve(n);
  for (int i = 0; i < n; ++i) tasks.push_back(asyncio::create_task(trivial(i)));
  long sum = 0;
  for (auto& t : tasks) sum += co_await t;
  co_return sum;
}

void BM_asyncio_spawn_await(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(asyncio::run(asyncio_main(kTasks)));
  state.SetItemsProcessed(state.iterations() * kTasks);
}

// Raw Asio, the idiomatic way: co_spawn each coroutine with a completion handler that
// stores its result; the parent waits for the last one.
bench::asio::awaitable<void> asio_main(int n, long& out) {
  auto ex = co_await bench::asio::this_coro::executor;
  std::vector<int> results(n);
  int remaining = n;
  bench::AsioSignal all_done(ex);
  for (int i = 0; i < n; ++i) {
    bench::asio::co_spawn(ex, trivial(i), [&, i](std::exception_ptr, int v) {
      results[i] = v;
      if (--remaining == 0) all_done.set();
    });
  }
  co_await all_done.wait();
  long sum = 0;
  for (int v : results) sum += v;
  out = sum;
}

void BM_asio_spawn_await(benchmark::State& state) {
  for (auto _ : state) {
    long sum = 0;
    bench::run_asio(asio_main(kTasks, sum));
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}

}  // namespace

BENCHMARK(BM_asyncio_spawn_await)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_spawn_await)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
