#pragma once
/// `Delay`: how long `sleep`, `call_later`, `timeout`, `wait_for`, `wait` and
/// `as_completed` wait.

#include <asyncio/detail/delay.hpp>

#include <chrono>
#include <cstdint>

namespace asyncio {

/// A delay in exact nanoseconds, from any `std::chrono::duration` (`100ms` is exactly 100 ms)
/// or from seconds as Python writes them (`0.1`, rounded to the nanosecond).
///
/// A delay <= 0 means "now". Infinity and durations past the clock's range mean "never".
/// Throws: `ValueError("Invalid delay: NaN (not a number)")` for NaN.
class Delay {
 public:
  Delay(double seconds) : ns_(detail::delay_to_ns(seconds)) {}
  template <typename Rep, typename Period>
  Delay(std::chrono::duration<Rep, Period> d) : ns_(detail::delay_to_ns(d)) {}

  /// The delay in nanoseconds.
  std::int64_t count() const noexcept { return ns_; }
  std::chrono::nanoseconds duration() const noexcept { return std::chrono::nanoseconds(ns_); }
  /// In seconds, as Python would hold it.
  double seconds() const noexcept {
    return static_cast<double>(ns_) / detail::kNanosecondsPerSecond;
  }

 private:
  std::int64_t ns_;
};

}  // namespace asyncio
