#include <asyncio/condition.hpp>

#include <optional>
#include <ostream>

namespace asyncio {

namespace detail {

void ConditionWaiter::suspend(EventLoop& loop, TaskCore* task) noexcept {
  enqueue(cond->waiters_, loop, task);
}

void ConditionWaiter::resume() {
  leave();
  if (cancelled) throw cancelled_error();
}

}  // namespace detail

Condition::Condition() : own_lock_(std::make_unique<Lock>()), lock_(own_lock_.get()) {}

Condition::~Condition() = default;

// Python 3.13: Condition.wait.
awaitable<bool> Condition::wait() {
  if (!locked()) throw RuntimeError("cannot wait on un-acquired lock");
  release();
  bool gone = false;
  std::exception_ptr error;
  try {
    co_await Operation<detail::ConditionWaiter>({this, &gone});
  } catch (...) {
    error = std::current_exception();
  }
  // Destroyed while we waited: the wait ended by cancellation, and `this` is no more.
  if (gone) std::rethrow_exception(error);
  try {
    // Re-acquire the lock even when cancelled: the caller holds it again on every exit.
    std::optional<CancelledError> cancelled;
    for (;;) {
      try {
        co_await lock_->acquire();
        break;
      } catch (const CancelledError& e) {
        cancelled = e;
      }
    }
    if (cancelled) throw *cancelled;
    if (error) std::rethrow_exception(error);
    co_return true;
  } catch (...) {
    // A waiter leaving by an exception passes a notification on (it may have used one).
    notify_waiters(1);
    throw;
  }
}

void Condition::notify(long n) {
  detail::check_waiters_thread(waiters_);
  if (!locked()) throw RuntimeError("cannot notify on un-acquired lock");
  if (n > 0) notify_waiters(static_cast<std::size_t>(n));
}

void Condition::notify_waiters(std::size_t n) noexcept {
  std::size_t woken = 0;
  for (detail::Waiter& w : waiters_) {
    if (woken >= n) break;
    auto& p = static_cast<detail::PrimitiveWaiter&>(w);
    if (p.pending()) {
      p.wake();
      ++woken;
    }
  }
}

std::ostream& operator<<(std::ostream& os, const Condition& cond) {
  os << "<asyncio.locks.Condition object [" << (cond.locked() ? "locked" : "unlocked");
  if (!cond.waiters_.empty()) os << ", waiters:" << cond.waiters_.size();
  return os << "]>";
}

}  // namespace asyncio
