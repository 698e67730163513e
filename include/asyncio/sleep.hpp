#pragma once
/// `sleep`: suspend the current coroutine for a while. Python: `asyncio.sleep`.

#include <asyncio/delay.hpp>
#include <asyncio/detail/sleep.hpp>
#include <asyncio/operation.hpp>

namespace asyncio {
/// Suspends the calling coroutine for `delay`: seconds (`0.5`) or any `std::chrono::duration`
/// (`500ms`, exact). Python: `await asyncio.sleep(delay)`.
///
/// `sleep(0)` (or any delay <= 0) yields to the loop exactly once: every callback that is
/// ready now runs first. Huge delays mean "forever".
/// Cancellation: a cancelled sleep raises `CancelledError` and leaves no timer behind.
/// Throws: `RuntimeError` when awaited without a running loop; `ValueError` for a NaN delay.
[[nodiscard]] inline auto sleep(Delay delay) {
  return Operation<detail::SleepWaiter>({delay.count()});
}

}  // namespace asyncio
