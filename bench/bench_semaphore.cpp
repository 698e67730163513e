// Semaphore(10) throttling 200k tasks, each holding a slot across a yield.
// Raw Asio: a ten-slot channel used as a token bucket.
#include "bench_common.hpp"

#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/post.hpp>

#include <vector>

namespace {

constexpr int kTasks = 200'000;
constexpr int kSlots = 10;

asyncio::awaitable<void> job(asyncio::Semaphore& sem) {
  auto held = co_await sem.scoped();
  co_await asyncio::sleep(0);
}

asyncio::awaitable<void> asyncio_main() {
  asyncio::Semaphore sem(kSlots);
  std::vector<asyncio::awaitable<void>> jobs;
  jobs.reserve(kTasks);
  for (int i = 0; i < kTasks; ++i) jobs.push_back(job(sem));
  co_await asyncio::gather(std::move(jobs));
}

void BM_asyncio_semaphore(benchmark::State& state) {
  for (auto _ : state) asyncio::run(asyncio_main());
  state.SetItemsProcessed(state.iterations() * kTasks);
}

namespace asio = bench::asio;
using token_channel = asio::experimental::channel<void(boost::system::error_code)>;

asio::awaitable<void> asio_job(token_channel& slots) {
  co_await slots.async_send(boost::system::error_code{}, asio::use_awaitable);  // take a slot
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  slots.try_receive([](boost::system::error_code) {});  // give it back
}

void BM_asio_channel_semaphore(benchmark::State& state) {
  for (auto _ : state) {
    asio::io_context ctx(1);
    token_channel slots(ctx, kSlots);
    for (int i = 0; i < kTasks; ++i) asio::co_spawn(ctx, asio_job(slots), asio::detached);
    ctx.run();
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}

}  // namespace

BENCHMARK(BM_asyncio_semaphore)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_channel_semaphore)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
