#include <asyncio/lock.hpp>

#include <ostream>

namespace asyncio {

namespace detail {

void LockAcquireWaiter::resume_cancelled() {
  leave();
  // Keep the invariant: if the lock is free, the first waiter will run.
  if (!lock->locked_) lock->wake_up_first();
  throw cancelled_error();
}

}  // namespace detail

void Lock::throw_not_acquired() {
  throw RuntimeError("Lock is not acquired.");
}

std::ostream& operator<<(std::ostream& os, const Lock& lock) {
  os << "<asyncio.locks.Lock object [" << (lock.locked_ ? "locked" : "unlocked");
  if (!lock.waiters_.empty()) os << ", waiters:" << lock.waiters_.size();
  return os << "]>";
}

}  // namespace asyncio
