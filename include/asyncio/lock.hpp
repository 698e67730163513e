#pragma once
/// `Lock`: mutual exclusion between tasks. Python: `asyncio.Lock`.

#include <asyncio/detail/lock.hpp>
#include <asyncio/operation.hpp>

#include <iosfwd>

namespace asyncio {

/// A mutex for tasks. Python: `asyncio.Lock`.
///
/// Fair as CPython 3.11+: waiters acquire in FIFO order; `release()` wakes the first waiter
/// but does not hand the lock over (`locked()` is false until the woken task runs), and a
/// task arriving meanwhile does not jump the queue. Acquiring a free lock does not yield.
///
/// Cancellation: a waiter cancelled while waiting leaves the queue; one cancelled after it
/// was woken passes the wake-up on to the next waiter. Nothing is lost.
/// Threads: the loop's thread only. Destroying a Lock that has waiters is undefined.
class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  /// Python: `await lock.acquire()` (gives true).
  [[nodiscard]] auto acquire() noexcept { return Operation<detail::LockAcquireWaiter>({this}); }
  /// Python: `async with lock:`. `auto held = co_await lock.scoped();` releases the lock
  /// when `held` goes out of scope.
  [[nodiscard]] auto scoped() noexcept {
    return Operation<detail::ScopedWaiter<detail::LockAcquireWaiter>>({this});
  }
  /// Python: `lock.release()`: wakes the first waiter.
  /// Throws: `RuntimeError("Lock is not acquired.")`.
  void release() {
    detail::check_waiters_thread(waiters_);
    if (!locked_) throw_not_acquired();
    locked_ = false;
    wake_up_first();
  }
  /// Python: `lock.locked()`.
  bool locked() const noexcept { return locked_; }

  /// Python's repr without the address: `<asyncio.locks.Lock object [locked, waiters:2]>`.
  friend std::ostream& operator<<(std::ostream& os, const Lock& lock);

 private:
  friend struct detail::LockAcquireWaiter;
  // Python: Lock._wake_up_first: only the head matters; a head that is already woken or
  // cancelled will pass the turn on itself when it runs.
  void wake_up_first() noexcept {
    auto* first = static_cast<detail::PrimitiveWaiter*>(waiters_.front());
    if (first && first->pending()) first->wake();
  }
  [[noreturn]] static void throw_not_acquired();

  detail::WaitList waiters_;
  bool locked_ = false;
};

namespace detail {

// Python: Lock.acquire. Free and nobody (still) waiting: take it without yielding.
bool LockAcquireWaiter::ready() noexcept {
  if (lock->locked_) return false;
  for (Waiter& w : lock->waiters_) {
    if (static_cast<PrimitiveWaiter&>(w).status != Status::cancelled) return false;
  }
  lock->locked_ = true;
  return true;
}

void LockAcquireWaiter::suspend(EventLoop& loop, TaskCore* task) noexcept {
  enqueue(lock->waiters_, loop, task);
}

bool LockAcquireWaiter::resume() {
  if (status == Status::idle) return true;  // taken in ready()
  if (cancelled) [[unlikely]]
    resume_cancelled();
  leave();
  lock->locked_ = true;
  return true;
}

}  // namespace detail

}  // namespace asyncio
