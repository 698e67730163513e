#pragma once
/// `Event`: a flag tasks can wait for. Python: `asyncio.Event`.

#include <asyncio/detail/event.hpp>
#include <asyncio/operation.hpp>

#include <iosfwd>

namespace asyncio {

namespace detail {
class QueueCore;
}  // namespace detail

/// A manually set flag that any number of tasks can wait for. Python: `asyncio.Event`.
///
/// `set()` wakes every waiter; they wake even if `clear()` follows before they run.
/// Cancellation: a cancelled `wait()` leaves the waiters and raises `CancelledError`.
/// Threads: the loop's thread only (use `call_soon_threadsafe(&Event::set, ...)`).
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// Python: `await event.wait()` (gives true); returns at once when the flag is set.
  [[nodiscard]] auto wait() noexcept { return Operation<detail::EventWaiter>({this}); }
  /// Python: `event.set()`.
  /// Throws: in debug mode, `RuntimeError` from a thread other than its waiters' loop's.
  void set();
  /// Python: `event.clear()`. Throws: as `set()`.
  void clear() {
    detail::check_waiters_thread(waiters_);
    value_ = false;
  }
  /// Python: `event.is_set()`.
  bool is_set() const noexcept { return value_; }

  /// Python's repr without the address: `<asyncio.locks.Event object [set]>`,
  /// `<asyncio.locks.Event object [unset, waiters:1]>`.
  friend std::ostream& operator<<(std::ostream& os, const Event& event);

 private:
  friend struct detail::EventWaiter;
  friend class detail::QueueCore;
  detail::WaitList waiters_;
  bool value_ = false;
};

}  // namespace asyncio
