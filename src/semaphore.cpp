#include <asyncio/semaphore.hpp>

#include <asyncio/exceptions.hpp>

#include <limits>
#include <ostream>
#include <string>

namespace asyncio {

namespace detail {

bool SemaphoreAcquireWaiter::ready() noexcept {
  if (sem->locked()) return false;
  --sem->value_;  // FIFO: only taken when nobody waits ahead
  return true;
}

void SemaphoreAcquireWaiter::suspend(EventLoop& loop, TaskCore* task) noexcept {
  enqueue(sem->waiters_, loop, task);
}

// Python 3.12+: Semaphore.acquire after `await fut`.
bool SemaphoreAcquireWaiter::resume() {
  if (status == Status::idle) return true;  // taken in ready()
  const bool was_woken = woken();
  leave();
  // Woken (a slot was set aside for us) but cancelled before running: give it back.
  if (cancelled && was_woken) ++sem->value_;
  // New waiters may have had to wait behind us: wake as many as there are free slots.
  while (sem->value_ > 0) {
    if (!sem->wake_up_next()) break;
  }
  if (cancelled) throw cancelled_error();
  return true;
}

}  // namespace detail

Semaphore::Semaphore(long value) : value_(value) {
  if (value < 0) throw ValueError("Semaphore initial value must be >= 0");
}

bool Semaphore::locked() const noexcept {
  if (value_ == 0) return true;
  for (const detail::Waiter& w : waiters_) {
    if (static_cast<const detail::PrimitiveWaiter&>(w).status !=
        detail::PrimitiveWaiter::Status::cancelled) {
      return true;
    }
  }
  return false;
}

void Semaphore::release() {
  detail::check_waiters_thread(waiters_);
  if (value_ == std::numeric_limits<long>::max()) {
    throw OverflowError(std::string(kind()) + " value would overflow: release() at value " +
                        std::to_string(value_));
  }
  ++value_;
  wake_up_next();
}

// Python: Semaphore._wake_up_next: the first waiter still waiting gets a slot set aside.
bool Semaphore::wake_up_next() noexcept {
  for (detail::Waiter& w : waiters_) {
    auto& p = static_cast<detail::PrimitiveWaiter&>(w);
    if (p.pending()) {
      --value_;
      p.wake();
      return true;
    }
  }
  return false;
}

void BoundedSemaphore::release() {
  if (value_ >= bound_) throw ValueError("BoundedSemaphore released too many times");
  Semaphore::release();
}

std::ostream& operator<<(std::ostream& os, const Semaphore& sem) {
  os << "<asyncio.locks." << sem.kind() << " object [";
  if (sem.locked()) {
    os << "locked";
  } else {
    os << "unlocked, value:" << sem.value_;
  }
  if (!sem.waiters_.empty()) os << ", waiters:" << sem.waiters_.size();
  return os << "]>";
}

}  // namespace asyncio
