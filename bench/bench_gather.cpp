// gather of 100k trivial awaitables vs raw Asio: a ranged parallel group, and a plain
// co_spawn loop that counts completions.
#include "bench_common.hpp"

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <vector>

namespace {

constexpr int kChildren = 100'000;

asyncio::awaitable<int> trivial(int i) {
  co_return i;
}

asyncio::awaitable<long> asyncio_main(int n) {
  std::vector<asyncio::awaitable<int>> children;
  children.reserve(n);
  for (int i = 0; i < n; ++i) children.push_back(trivial(i));
  std::vector<int> results = co_await asyncio::gather(std::move(children));
  long sum = 0;
  for (int v : results) sum += v;
  co_return sum;
}

void BM_asyncio_gather(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(asyncio::run(asyncio_main(kChildren)));
  state.SetItemsProcessed(state.iterations() * kChildren);
}

namespace asio = bench::asio;

asio::awaitable<void> asio_group_main(int n, long& out) {
  auto ex = co_await asio::this_coro::executor;
  using op_type = decltype(asio::co_spawn(ex, trivial(0), asio::deferred));
  std::vector<op_type> ops;
  ops.reserve(n);
  for (int i = 0; i < n; ++i) ops.push_back(asio::co_spawn(ex, trivial(i), asio::deferred));
  auto [order, errors, results] =
      co_await asio::experimental::make_parallel_group(std::move(ops))
          .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  long sum = 0;
  for (int v : results) sum += v;
  out = sum;
}

void BM_asio_parallel_group(benchmark::State& state) {
  for (auto _ : state) {
    long sum = 0;
    bench::run_asio(asio_group_main(kChildren, sum));
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kChildren);
}

asio::awaitable<void> asio_spawn_main(int n, long& out) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<int> results(n);
  int remaining = n;
  bench::AsioSignal all_done(ex);
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(ex, trivial(i), [&, i](std::exception_ptr, int v) {
      results[i] = v;
      if (--remaining == 0) all_done.set();
    });
  }
  co_await all_done.wait();
  long sum = 0;
  for (int v : results) sum += v;
  out = sum;
}

void BM_asio_spawn_loop(benchmark::State& state) {
  for (auto _ : state) {
    long sum = 0;
    bench::run_asio(asio_spawn_main(kChildren, sum));
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kChildren);
}

}  // namespace

BENCHMARK(BM_asyncio_gather)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_parallel_group)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_spawn_loop)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
