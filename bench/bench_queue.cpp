// A Queue(maxsize=1) between a producer and a consumer, 1M items.
// Raw Asio: a one-slot channel.
#include "bench_common.hpp"

#include <boost/asio/experimental/channel.hpp>

namespace {

constexpr int kItems = 1'000'000;

asyncio::awaitable<void> producer(asyncio::Queue<int>& q) {
  for (int i = 0; i < kItems; ++i) co_await q.put(i);
}

asyncio::awaitable<long> consumer(asyncio::Queue<int>& q) {
  long sum = 0;
  for (int i = 0; i < kItems; ++i) sum += co_await q.get();
  co_return sum;
}

asyncio::awaitable<long> asyncio_main() {
  asyncio::Queue<int> q(1);
  auto [p, sum] = co_await asyncio::gather(producer(q), consumer(q));
  co_return sum;
}

void BM_asyncio_queue(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(asyncio::run(asyncio_main()));
  state.SetItemsProcessed(state.iterations() * kItems);
}

namespace asio = bench::asio;
using channel = asio::experimental::channel<void(boost::system::error_code, int)>;

asio::awaitable<void> asio_producer(channel& ch) {
  for (int i = 0; i < kItems; ++i) co_await ch.async_send({}, i, asio::use_awaitable);
}

asio::awaitable<void> asio_consumer(channel& ch, long& sum) {
  for (int i = 0; i < kItems; ++i) sum += co_await ch.async_receive(asio::use_awaitable);
}

void BM_asio_channel(benchmark::State& state) {
  for (auto _ : state) {
    asio::io_context ctx(1);
    channel ch(ctx, 1);
    long sum = 0;
    asio::co_spawn(ctx, asio_producer(ch), asio::detached);
    asio::co_spawn(ctx, asio_consumer(ch, sum), asio::detached);
    ctx.run();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

}  // namespace

BENCHMARK(BM_asyncio_queue)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_channel)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
