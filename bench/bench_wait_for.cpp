// 100k wait_for calls that do not expire: the inner work yields once and finishes.
// Raw Asio: the same with awaitable operators, (work || timer).
#include "bench_common.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>

namespace {

constexpr int kCalls = 100'000;

asyncio::awaitable<int> quick(int i) {
  co_await asyncio::sleep(0);
  co_return i;
}

asyncio::awaitable<long> asyncio_main(int n) {
  long sum = 0;
  for (int i = 0; i < n; ++i) sum += co_await asyncio::wait_for(quick(i), std::chrono::hours(1));
  co_return sum;
}

void BM_asyncio_wait_for(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(asyncio::run(asyncio_main(kCalls)));
  state.SetItemsProcessed(state.iterations() * kCalls);
}

namespace asio = bench::asio;
using namespace boost::asio::experimental::awaitable_operators;

asio::awaitable<int> asio_quick(int i) {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  co_return i;
}

asio::awaitable<void> asio_main(int n, long& out) {
  auto ex = co_await asio::this_coro::executor;
  long sum = 0;
  for (int i = 0; i < n; ++i) {
    asio::steady_timer timer(ex, std::chrono::hours(1));
    auto r = co_await (asio_quick(i) || timer.async_wait(asio::use_awaitable));
    sum += std::get<0>(r);
  }
  out = sum;
}

void BM_asio_awaitable_or_timer(benchmark::State& state) {
  for (auto _ : state) {
    long sum = 0;
    bench::run_asio(asio_main(kCalls, sum));
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kCalls);
}

}  // namespace

BENCHMARK(BM_asyncio_wait_for)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_awaitable_or_timer)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
