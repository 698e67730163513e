// 20k round trips to a worker thread, one after the other: `co_await to_thread(noop)` (the
// loop's default executor) vs raw Asio handing the coroutine to a thread_pool and back.
#include "bench_common.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/thread_pool.hpp>

namespace {

constexpr int kRounds = 20'000;

void noop() {}

// Python: for _ in range(N): await asyncio.to_thread(noop)
asyncio::awaitable<void> asyncio_main(int n) {
  for (int i = 0; i < n; ++i) co_await asyncio::to_thread(noop);
}

// Each run starts a fresh loop, whose default executor starts its worker on first use and
// is shut down by run(), as in Python's asyncio.run.
void BM_asyncio_to_thread(benchmark::State& state) {
  for (auto _ : state) asyncio::run(asyncio_main(kRounds));
  state.SetItemsProcessed(state.iterations() * kRounds);
}

// Raw Asio, the coroutine itself hops: resumed on the pool, it calls the function there,
// then hops back to the io_context.
bench::asio::awaitable<void> asio_hop_main(bench::asio::thread_pool& pool, int n) {
  auto loop = co_await bench::asio::this_coro::executor;
  for (int i = 0; i < n; ++i) {
    co_await bench::asio::post(bench::asio::bind_executor(pool, bench::asio::use_awaitable));
    noop();
    co_await bench::asio::post(loop, bench::asio::use_awaitable);
  }
}

// Raw Asio, the coroutine stays on the io_context: a handler calls the function on the pool
// and posts the completion back (what a hand-written `run_on(pool, fn)` does).
template <typename F>
auto run_on(bench::asio::thread_pool& pool, F fn) {
  return bench::asio::async_initiate<const bench::asio::use_awaitable_t<>&, void()>(
      [&pool, fn](auto handler) {
        auto home = bench::asio::prefer(bench::asio::get_associated_executor(handler),
                                        bench::asio::execution::outstanding_work.tracked);
        bench::asio::post(pool, [fn, home, handler = std::move(handler)]() mutable {
          fn();
          bench::asio::post(home, std::move(handler));
        });
      },
      bench::asio::use_awaitable);
}

bench::asio::awaitable<void> asio_handler_main(bench::asio::thread_pool& pool, int n) {
  for (int i = 0; i < n; ++i) co_await run_on(pool, noop);
}

// One worker: a sequential round trip never needs a second one (neither does ours).
template <auto Main>
void asio_to_thread(benchmark::State& state) {
  for (auto _ : state) {
    bench::asio::thread_pool pool(1);
    bench::run_asio(Main(pool, kRounds));
    pool.join();
  }
  state.SetItemsProcessed(state.iterations() * kRounds);
}

void BM_asio_post_hop(benchmark::State& state) {
  asio_to_thread<asio_hop_main>(state);
}
void BM_asio_post_handler(benchmark::State& state) {
  asio_to_thread<asio_handler_main>(state);
}

}  // namespace

BENCHMARK(BM_asyncio_to_thread)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_asio_post_hop)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_asio_post_handler)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
