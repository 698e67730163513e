// Tutorial 1.0, when to use asyncio: a blocking call made on the loop's thread stalls every
// task; asyncio::to_thread runs it on a worker thread while the loop goes on; and in C++,
// threads run CPU-heavy work in parallel too, one per core.
//
// Under --virtual-time the loop's clock stands still while a thread works (the loop waits
// for it in real time), so what this sample shows is the order of events; without
// --virtual-time it also prints when each thing happened, in real time.
#include "tutorial.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// Real time since `reset()`, as " (at 0.30 s)", or nothing under --virtual-time.
class Stopwatch {
 public:
  explicit Stopwatch(bool virtual_time) : virtual_time_(virtual_time) {}
  void reset() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  std::string stamp() const {
    if (virtual_time_) return "";
    char text[32];
    std::snprintf(text, sizeof text, " (at %.2f s)", seconds());
    return text;
  }
  bool virtual_time() const { return virtual_time_; }

 private:
  bool virtual_time_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

constexpr int kSteps = 3;

// A blocking call (a slow disk, a library with no async API): three steps of 100 ms. After
// each step it reports its progress through `report`, whatever thread it runs on.
int blocking_download(const std::function<void(int)>& report) {
  for (int step = 1; step <= kSteps; ++step) {
    std::this_thread::sleep_for(100ms);  // blocks the whole thread, not just a task
    report(step);
  }
  return kSteps * 64;  // kB "downloaded"
}

// A report hands the step to the loop, from any thread (Python:
// loop.call_soon_threadsafe(steps.put_nowait, step)); the ticker task shows it.
std::function<void(int)> report_to(asyncio::Queue<int>& steps) {
  return [&loop = asyncio::get_running_loop(), &steps](int step) {
    loop.call_soon_threadsafe([&steps, step] { steps.put_nowait(step); });
  };
}

// The ticker: shows each step as soon as the loop gives it a turn.
asyncio::awaitable<void> ticker(asyncio::Queue<int>& steps, const Stopwatch& watch) {
  for (int step = 0; step < kSteps;) {
    step = co_await steps.get();
    std::cout << "  ticker: step " << step << " of " << kSteps << watch.stamp() << '\n';
  }
}

// Python: kb = blocking_download(report)  (inside a coroutine: the loop stalls)
asyncio::awaitable<void> blocking_on_the_loop(Stopwatch& watch) {
  std::cout << "1. The blocking call, made on the loop's thread:\n";
  asyncio::Queue<int> steps;
  auto ticking = asyncio::create_task(ticker(steps, watch));
  co_await asyncio::sleep(0);  // the ticker starts and waits for news
  watch.reset();
  const int kb = blocking_download(report_to(steps));
  std::cout << "  main: download returned " << kb << " kB" << watch.stamp() << '\n';
  co_await ticking;
  std::cout << "  The ticker showed nothing until the call returned: the loop was stalled.\n";
}

// Python: kb = await asyncio.to_thread(blocking_download, report)
asyncio::awaitable<void> blocking_in_a_thread(Stopwatch& watch) {
  std::cout << "2. The same call through asyncio::to_thread:\n";
  asyncio::Queue<int> steps;
  auto ticking = asyncio::create_task(ticker(steps, watch));
  co_await asyncio::sleep(0);
  watch.reset();
  const int kb = co_await asyncio::to_thread(blocking_download, report_to(steps));
  std::cout << "  main: download returned " << kb << " kB" << watch.stamp() << '\n';
  co_await ticking;
  std::cout << "  The ticker showed each step as it came: the loop ran on meanwhile.\n";
}

// CPU-heavy work: how many primes in [from, to), by trial division.
long count_primes(long from, long to) {
  long count = 0;
  for (long n = std::max(from, 2L); n < to; ++n) {
    bool prime = true;
    for (long d = 2; d * d <= n; ++d) {
      if (n % d == 0) {
        prime = false;
        break;
      }
    }
    count += prime ? 1 : 0;
  }
  return count;
}

// Python: await asyncio.gather(*(asyncio.to_thread(count_primes, a, b) for a, b in parts))
asyncio::awaitable<void> cpu_work_in_parallel(Stopwatch& watch) {
  constexpr long kLimit = 1'000'000;
  constexpr long kCalls = 4;
  std::cout << "3. CPU-heavy work: primes below " << kLimit << '\n';

  watch.reset();
  const long alone = co_await asyncio::to_thread(count_primes, 0L, kLimit);
  const double alone_seconds = watch.seconds();
  std::cout << "  one to_thread call: " << alone << '\n';

  watch.reset();
  std::vector<asyncio::awaitable<long>> calls;
  for (long i = 0; i < kCalls; ++i) {
    calls.push_back(
        asyncio::to_thread(count_primes, kLimit * i / kCalls, kLimit * (i + 1) / kCalls));
  }
  const std::vector<long> parts = co_await asyncio::gather(std::move(calls));
  const double parallel_seconds = watch.seconds();
  long total = 0;
  std::cout << "  " << kCalls << " to_thread calls at once, with gather: ";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::cout << (i ? " + " : "") << parts[i];
    total += parts[i];
  }
  std::cout << " = " << total << '\n';

  if (!watch.virtual_time()) {
    char line[96];
    std::snprintf(line, sizeof line, "  one call took %.2f s, %ld at once %.2f s: %.1fx as fast",
                  alone_seconds, kCalls, parallel_seconds, alone_seconds / parallel_seconds);
    std::cout << line << ", on " << std::thread::hardware_concurrency() << " cores\n";
  }
  std::cout << "  In C++ the threads truly run in parallel, one per core. In CPython the GIL lets\n"
               "  one thread at a time run Python code: threads help there with blocking calls,\n"
               "  not with CPU work (for that the tutorial says: processes).\n";
}

asyncio::awaitable<void> main_coroutine(bool virtual_time) {
  Stopwatch watch(virtual_time);
  co_await blocking_on_the_loop(watch);
  co_await blocking_in_a_thread(watch);
  co_await cpu_work_in_parallel(watch);
}

int main(int argc, char** argv) {
  const auto options = tutorial::options(argc, argv);
  asyncio::run(main_coroutine(options.virtual_time), options);
}
