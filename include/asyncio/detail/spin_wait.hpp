#pragma once
// A short busy wait before a thread blocks. Not API.
//
// Waking a blocked thread costs a system call on the waking side and, on a virtual machine
// whose idle core has halted, tens of microseconds before the woken thread runs. When the
// answer is likely within microseconds (a worker thread hands a result back, the loop hands
// the next call over), watching a flag for a few microseconds first avoids both.
//
// Spinning only pays while the answering thread runs. When it does not (the machine is busy,
// or both threads share a core) or the answer takes long (a slow call), a spin is time lost:
// the budget adapts to how long the waits take, halved after a wait longer than the longest
// spin, back to the longest after a shorter one. (Judging by whether the spin itself ended
// the wait is not enough: when both threads of a round trip block, each one's wake-up makes
// the other's wait too long, and neither would spin again. Yielding the core between checks
// made things far worse next to CPU-bound processes: each yield handed them a time slice.)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace asyncio::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// Whether spinning can pay: on a single core the thread that would answer cannot run while
/// this one spins.
inline bool spinning_pays() noexcept {
  static const bool several_cores = std::thread::hardware_concurrency() > 1;
  return several_cores;
}

/// Spins until `done()` or until `budget` has passed; gives the last `done()`.
template <typename Done>
bool spin_until(Done done, std::chrono::nanoseconds budget) {
  constexpr int kChecksPerClockRead = 32;  // about 1 µs of `pause` here
  const auto end = std::chrono::steady_clock::now() + budget;
  for (;;) {
    for (int i = 0; i < kChecksPerClockRead; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= end) return done();
  }
}

/// A spin before blocking whose length adapts to how long the waits take (see above).
/// Any thread may use it; the budget is shared.
class AdaptiveSpin {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::nanoseconds kMax{50'000};
  static constexpr std::chrono::nanoseconds kMin{1'000};

  /// Spins until `done()`, for the current budget but at most `limit`; `started` is when.
  /// False: the caller blocks, and calls `answered(started)` when what it waited for came.
  template <typename Done>
  bool operator()(Done done, clock::time_point& started, std::chrono::nanoseconds limit = kMax) {
    if (!spinning_pays()) return false;
    started = clock::now();
    const std::chrono::nanoseconds budget(budget_ns_.load(std::memory_order_relaxed));
    if (spin_until(done, std::min(budget, limit))) {
      budget_ns_.store(kMax.count(), std::memory_order_relaxed);
      return true;
    }
    return false;
  }
  /// What the caller blocked for came: spin for long next time if a full spin would have
  /// caught it, for half as long if not.
  void answered(clock::time_point started) noexcept {
    const std::int64_t budget = budget_ns_.load(std::memory_order_relaxed);
    budget_ns_.store(
        clock::now() - started <= kMax ? kMax.count() : std::max(budget / 2, kMin.count()),
        std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> budget_ns_{kMax.count()};
};

}  // namespace asyncio::detail
