#pragma once
// The loop clock's arithmetic: delays to exact nanoseconds, saturating at "never". Not API.

#include <chrono>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace asyncio::detail {

inline constexpr std::int64_t kNanosecondsPerSecond = 1'000'000'000;

/// A deadline that never comes: an infinite delay, or one past the clock's range.
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

/// Seconds to nanoseconds, rounded. NaN is a `ValueError` (Python 3.13); infinity and
/// overflow saturate to `kNever` (or its negative).
std::int64_t delay_to_ns_slow(double seconds);
inline std::int64_t delay_to_ns(double seconds) {
  return seconds == 0.0 ? 0 : delay_to_ns_slow(seconds);  // sleep(0) is the common yield
}

/// Any duration to nanoseconds, exactly when it is integral; saturates as above.
template <typename Rep, typename Period>
std::int64_t delay_to_ns(std::chrono::duration<Rep, Period> d) {
  if constexpr (std::is_floating_point_v<Rep>) {
    return delay_to_ns(std::chrono::duration<double>(d).count());
  } else {
    using namespace std::chrono;
    constexpr auto max = nanoseconds::max();
    if (d > duration_cast<duration<Rep, Period>>(max) - duration<Rep, Period>(1))
      return max.count();
    if (d < -duration_cast<duration<Rep, Period>>(max) + duration<Rep, Period>(1))
      return -max.count();
    return duration_cast<nanoseconds>(d).count();
  }
}

/// `now + delay` on the loop clock, saturating: a deadline past the clock's range is never.
inline std::int64_t deadline_after(std::int64_t now, std::int64_t delay) noexcept {
  std::int64_t when;
  if (__builtin_add_overflow(now, delay, &when)) [[unlikely]]
    return delay > 0 ? kNever : std::numeric_limits<std::int64_t>::min();
  return when;
}

}  // namespace asyncio::detail
