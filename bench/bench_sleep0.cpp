// Many tasks each yielding to the loop once: asyncio::sleep(0) vs a raw Asio post.
#include "bench_common.hpp"

#include <boost/asio/post.hpp>

#include <vector>

namespace {

constexpr int kTasks = 100'000;

asyncio::awaitable<void> yield_once() {
  co_await asyncio::sleep(0);
}

asyncio::awaitable<void> asyncio_main(int n) {
  std::vector<asyncio::Task<void>> tasks;
  tasks.reserve(n);
  for (int i = 0; i < n; ++i) tasks.push_back(asyncio::create_task(yield_once()));
  for (auto& t : tasks) co_await t;
}

void BM_asyncio_sleep0(benchmark::State& state) {
  for (auto _ : state) asyncio::run(asyncio_main(kTasks));
  state.SetItemsProcessed(state.iterations() * kTasks);
}

bench::asio::awaitable<void> asio_yield_once() {
  co_await bench::asio::post(co_await bench::asio::this_coro::executor, bench::asio::use_awaitable);
}

bench::asio::awaitable<void> asio_main(int n) {
  auto ex = co_await bench::asio::this_coro::executor;
  int remaining = n;
  bench::AsioSignal all_done(ex);
  for (int i = 0; i < n; ++i) {
    bench::asio::co_spawn(ex, asio_yield_once(), [&](std::exception_ptr) {
      if (--remaining == 0) all_done.set();
    });
  }
  co_await all_done.wait();
}

void BM_asio_post_yield(benchmark::State& state) {
  for (auto _ : state) {
    bench::run_asio(asio_main(kTasks));
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}

}  // namespace

BENCHMARK(BM_asyncio_sleep0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_post_yield)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
