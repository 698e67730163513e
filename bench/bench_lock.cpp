// 100 tasks contending on one Lock for 1M acquisitions; each holds it across a yield.
// Raw Asio: a one-slot channel used as a mutex (send = acquire, receive = release).
#include "bench_common.hpp"

#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/post.hpp>

#include <vector>

namespace {

constexpr int kTasks = 100;
constexpr int kAcquisitions = 1'000'000;

asyncio::awaitable<void> contender(asyncio::Lock& lock, int rounds, long& counter) {
  for (int i = 0; i < rounds; ++i) {
    auto held = co_await lock.scoped();
    ++counter;
    co_await asyncio::sleep(0);  // hold it across a yield: the others queue up
  }
}

asyncio::awaitable<long> asyncio_main() {
  asyncio::Lock lock;
  long counter = 0;
  std::vector<asyncio::awaitable<void>> tasks;
  for (int t = 0; t < kTasks; ++t)
    tasks.push_back(contender(lock, kAcquisitions / kTasks, counter));
  co_await asyncio::gather(std::move(tasks));
  co_return counter;
}

void BM_asyncio_lock(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(asyncio::run(asyncio_main()));
  state.SetItemsProcessed(state.iterations() * kAcquisitions);
}

namespace asio = bench::asio;
using mutex_channel = asio::experimental::channel<void(boost::system::error_code)>;

asio::awaitable<void> asio_contender(mutex_channel& mutex, int rounds, long& counter) {
  auto ex = co_await asio::this_coro::executor;
  for (int i = 0; i < rounds; ++i) {
    co_await mutex.async_send(boost::system::error_code{}, asio::use_awaitable);  // acquire
    ++counter;
    co_await asio::post(ex, asio::use_awaitable);
    mutex.try_receive([](boost::system::error_code) {});  // release
  }
}

void BM_asio_channel_mutex(benchmark::State& state) {
  for (auto _ : state) {
    asio::io_context ctx(1);
    mutex_channel mutex(ctx, 1);
    long counter = 0;
    for (int t = 0; t < kTasks; ++t) {
      asio::co_spawn(ctx, asio_contender(mutex, kAcquisitions / kTasks, counter), asio::detached);
    }
    ctx.run();
    benchmark::DoNotOptimize(counter);
  }
  state.SetItemsProcessed(state.iterations() * kAcquisitions);
}

}  // namespace

BENCHMARK(BM_asyncio_lock)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_channel_mutex)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
