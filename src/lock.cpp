#include <asyncio/lock.hpp>

#include <ostream>

namespace asyncio {

namespace detail {

// The task's repr says what it waits for: `wait_for=<asyncio.locks.Lock object [locked]>`.
void LockAcquireWaiter::describe(const Waiter* w, std::ostream& os) {
  const auto* self = static_cast<const LockAcquireWaiter*>(w);
  if (self->detached) {
    os << "<destroyed primitive>";
  } else {
    os << *self->lock;
  }
}

void report_release_error(std::exception_ptr e) noexcept {
  if (running_loop) {
    running_loop->call_exception_handler({"Exception in release() of a scoped guard", e, {}});
  }
}

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
