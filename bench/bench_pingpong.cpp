// One million round trips between two tasks: asyncio Futures vs raw Asio channels.
#include "bench_common.hpp"

#include <boost/asio/experimental/channel.hpp>

namespace {

constexpr int kRounds = 1'000'000;

// asyncio: each side completes a fresh Future the other side awaits (Python's way).
struct Exchange {
  asyncio::Future<int> ping;
  asyncio::Future<int> pong;
};

asyncio::awaitable<void> ponger(Exchange& x, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    asyncio::Future<int> ping = x.ping;
    int v = co_await ping;
    x.ping = asyncio::Future<int>();
    x.pong.set_result(v + 1);
  }
}

asyncio::awaitable<long> pinger(int rounds) {
  Exchange x{asyncio::Future<int>(), asyncio::Future<int>()};
  auto other = asyncio::create_task(ponger(x, rounds));
  long sum = 0;
  for (int i = 0; i < rounds; ++i) {
    x.pong = asyncio::Future<int>();
    asyncio::Future<int> pong = x.pong;
    x.ping.set_result(i);
    sum += co_await pong;
  }
  co_await other;
  co_return sum;
}

void BM_asyncio_pingpong_futures(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(asyncio::run(pinger(kRounds)));
  state.SetItemsProcessed(state.iterations() * kRounds);
}

// Raw Asio: a pair of channels, one each way.
using channel = bench::asio::experimental::channel<void(boost::system::error_code, int)>;

bench::asio::awaitable<void> asio_ponger(channel& in, channel& out, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    int v = co_await in.async_receive(bench::asio::use_awaitable);
    co_await out.async_send({}, v + 1, bench::asio::use_awaitable);
  }
}

bench::asio::awaitable<void> asio_pinger(channel& out, channel& in, int rounds, long& sum) {
  for (int i = 0; i < rounds; ++i) {
    co_await out.async_send({}, i, bench::asio::use_awaitable);
    sum += co_await in.async_receive(bench::asio::use_awaitable);
  }
}

void asio_pingpong(benchmark::State& state, std::size_t capacity) {
  for (auto _ : state) {
    bench::asio::io_context ctx(1);
    channel a(ctx, capacity), b(ctx, capacity);
    long sum = 0;
    bench::asio::co_spawn(ctx, asio_ponger(a, b, kRounds), bench::asio::detached);
    bench::asio::co_spawn(ctx, asio_pinger(a, b, kRounds, sum), bench::asio::detached);
    ctx.run();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRounds);
}

void BM_asio_pingpong_channels_unbuffered(benchmark::State& state) {
  asio_pingpong(state, 0);
}
void BM_asio_pingpong_channels_buffered(benchmark::State& state) {
  asio_pingpong(state, 1);
}

}  // namespace

BENCHMARK(BM_asyncio_pingpong_futures)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_pingpong_channels_unbuffered)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_pingpong_channels_buffered)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
