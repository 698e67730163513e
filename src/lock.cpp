#include <asyncio/lock.hpp>

#include <ostream>

namespace asyncio {

namespace detail {

void report_release_error(std::exception_ptr e) noexcept {
  if (running_loop) {
    running_loop->call_exception_handler({"Exception in release() of a scoped guard", e, {}});
  }
}

// Python: Lock.acquire. Free and nobody (still) waiting: take it without yielding.
bool LockAcquireWaiter::ready() noexcept {
  if (lock->locked_) return false;
  for (Waiter* w = lock->waiters_.front(); w; w = w->wnext) {
    if (static_cast<PrimitiveWaiter*>(w)->status != Status::cancelled) return false;
  }
  lock->locked_ = true;
  return true;
}

void LockAcquireWaiter::suspend(EventLoop& loop, TaskCore* task) noexcept {
  enqueue(lock->waiters_, loop, task);
}

bool LockAcquireWaiter::resume() {
  if (status == Status::idle) return true;  // taken in ready()
  leave();
  if (cancelled) {
    // Keep the invariant: if the lock is free, the first waiter will run.
    if (!lock->locked_) lock->wake_up_first();
    throw cancelled_error();
  }
  lock->locked_ = true;
  return true;
}

}  // namespace detail

void Lock::throw_not_acquired() {
  throw RuntimeError("Lock is not acquired.");
}

std::ostream& operator<<(std::ostream& os, const Lock& lock) {
  os << "<Lock [" << (lock.locked_ ? "locked" : "unlocked");
  if (!lock.waiters_.empty()) os << ", waiters:" << lock.waiters_.size();
  return os << "]>";
}

}  // namespace asyncio
