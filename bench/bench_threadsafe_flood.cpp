// A task sleeps 50 ms while four threads flood the loop with call_soon_threadsafe: how long
// the sleep really takes (CPython under the same flood: 0.051 s). Not a ratio workload of
// run.py: it measures the loop's fairness, not its speed.
#include "bench_common.hpp"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 4;
constexpr double kSleep = 0.05;

double wall() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

asyncio::awaitable<double> timed_sleep() {
  const double t0 = wall();
  co_await asyncio::sleep(kSleep);
  co_return wall() - t0;
}

void BM_asyncio_sleep_under_threadsafe_flood(benchmark::State& state) {
  double ran_total = 0;
  double posted_total = 0;
  for (auto _ : state) {
    auto loop = asyncio::new_event_loop();
    std::atomic<bool> stop{false};
    std::atomic<long> posted{0};
    long ran = 0;  // loop thread only
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        while (!stop.load(std::memory_order_relaxed)) {
          loop->call_soon_threadsafe([&ran] { ++ran; });
          posted.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    const double slept = loop->run_until_complete(timed_sleep());
    const long ran_during = ran;
    stop = true;
    for (auto& t : threads) t.join();
    loop->close();
    state.SetIterationTime(slept);
    ran_total += static_cast<double>(ran_during);
    posted_total += static_cast<double>(posted.load());
  }
  state.counters["callbacks_run_during_sleep"] =
      benchmark::Counter(ran_total, benchmark::Counter::kAvgIterations);
  state.counters["callbacks_posted"] =
      benchmark::Counter(posted_total, benchmark::Counter::kAvgIterations);
  state.counters["rss_MB"] = static_cast<double>(bench::resident_bytes()) / 1e6;
}

}  // namespace

BENCHMARK(BM_asyncio_sleep_under_threadsafe_flood)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_MAIN();
