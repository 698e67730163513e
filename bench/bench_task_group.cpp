// A TaskGroup of 100k children vs raw Asio: co_spawn each child, count completions.
#include "bench_common.hpp"

#include <vector>

namespace {

constexpr int kChildren = 100'000;

asyncio::awaitable<int> trivial(int i) {
  co_return i;
}

asyncio::awaitable<void> asyncio_main(int n) {
  co_await asyncio::task_group([n](asyncio::TaskGroup& tg) -> asyncio::awaitable<void> {
    for (int i = 0; i < n; ++i) tg.create_task(trivial(i));
    co_return;
  });
}

void BM_asyncio_task_group(benchmark::State& state) {
  for (auto _ : state) asyncio::run(asyncio_main(kChildren));
  state.SetItemsProcessed(state.iterations() * kChildren);
}

namespace asio = bench::asio;

asio::awaitable<void> asio_main(int n) {
  auto ex = co_await asio::this_coro::executor;
  int remaining = n;
  bench::AsioSignal all_done(ex);
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(ex, trivial(i), [&](std::exception_ptr, int) {
      if (--remaining == 0) all_done.set();
    });
  }
  co_await all_done.wait();
}

void BM_asio_spawn_group(benchmark::State& state) {
  for (auto _ : state) {
    bench::run_asio(asio_main(kChildren));
  }
  state.SetItemsProcessed(state.iterations() * kChildren);
}

}  // namespace

BENCHMARK(BM_asyncio_task_group)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_spawn_group)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
