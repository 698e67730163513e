#include <asyncio/delay.hpp>
#include <asyncio/exceptions.hpp>

#include <cmath>

namespace asyncio::detail {

std::int64_t delay_to_ns_slow(double seconds) {
  if (std::isnan(seconds)) throw ValueError("Invalid delay: NaN (not a number)");
  // 2^63 nanoseconds is past the clock; every double below it converts without overflow.
  constexpr double kLimit = 0x1p63;
  const double ns = seconds * kNanosecondsPerSecond;
  if (ns >= kLimit) return kNever;
  if (ns <= -kLimit) return -kNever;
  return static_cast<std::int64_t>(std::llround(ns));
}

}  // namespace asyncio::detail
