// One Event waking 100k waiting tasks. Raw Asio: 100k coroutines waiting on one timer
// that is cancelled (the usual raw-Asio broadcast).
#include "bench_common.hpp"

#include <boost/asio/detail/thread_info_base.hpp>

#include <cstring>
#include <vector>

namespace {

constexpr int kWaiters = 100'000;

asyncio::awaitable<void> waiter(asyncio::Event& event) {
  co_await event.wait();
}

asyncio::awaitable<void> asyncio_main() {
  asyncio::Event event;
  std::vector<asyncio::Task<void>> waiters;
  waiters.reserve(kWaiters);
  for (int i = 0; i < kWaiters; ++i) waiters.push_back(asyncio::create_task(waiter(event)));
  co_await asyncio::sleep(0);  // every waiter is parked
  event.set();
  for (auto& w : waiters) co_await w;
}

void BM_asyncio_event(benchmark::State& state) {
  for (auto _ : state) asyncio::run(asyncio_main());
  state.SetItemsProcessed(state.iterations() * kWaiters);
}

namespace asio = bench::asio;

asio::awaitable<void> asio_waiter(asio::steady_timer& event, int& remaining,
                                  bench::AsioSignal& done) {
  boost::system::error_code ec;
  co_await event.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (--remaining == 0) done.set();
}

asio::awaitable<void> asio_main() {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer event(ex, asio::steady_timer::time_point::max());
  bench::AsioSignal done(ex);
  int remaining = kWaiters;
  for (int i = 0; i < kWaiters; ++i)
    asio::co_spawn(ex, asio_waiter(event, remaining, done), asio::detached);
  co_await asio::post(ex, asio::use_awaitable);  // every waiter is parked
  event.cancel();
  co_await done.wait();
}

void BM_asio_timer_broadcast(benchmark::State& state) {
  for (auto _ : state) {
    bench::run_asio(asio_main());
  }
  state.SetItemsProcessed(state.iterations() * kWaiters);
}

// The floor under any library that runs each waiter as an Asio coroutine: per task, the
// entry frame of its Asio thread and the frame of the coroutine itself, allocated through
// Asio's frame allocator, written, and freed (224 bytes each, the sizes this workload
// allocates with g++ 12). No scheduling at all: the best any such design can do.
void BM_floor_two_frames_per_task(benchmark::State& state) {
  namespace ad = boost::asio::detail;
  constexpr std::size_t kFrame = 224 - 1;  // Asio adds one byte of bookkeeping
  std::vector<void*> frames(2 * kWaiters);
  for (auto _ : state) {
    for (void*& f : frames) {
      f = ad::thread_info_base::allocate(ad::thread_info_base::awaitable_frame_tag(), nullptr,
                                         kFrame);
      std::memset(f, 0, kFrame);
    }
    benchmark::ClobberMemory();
    for (void* f : frames) {
      ad::thread_info_base::deallocate(ad::thread_info_base::awaitable_frame_tag(), nullptr, f,
                                       kFrame);
    }
  }
  state.SetItemsProcessed(state.iterations() * kWaiters);
}

}  // namespace

BENCHMARK(BM_floor_two_frames_per_task)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asyncio_event)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_asio_timer_broadcast)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
