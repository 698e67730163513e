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
  try {
    std::exception_ptr error;
    try {
      co_await detail::Awaitable<detail::ConditionWaiter>({this});
    } catch (...) {
      error = std::current_exception();
    }
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

void Condition::notify(std::size_t n) {
  if (!locked()) throw RuntimeError("cannot notify on un-acquired lock");
  notify_waiters(n);
}

void Condition::notify_waiters(std::size_t n) noexcept {
  std::size_t woken = 0;
  for (detail::Waiter* w = waiters_.front(); w && woken < n; w = w->wnext) {
    auto* p = static_cast<detail::PrimitiveWaiter*>(w);
    if (p->pending()) {
      p->wake();
      ++woken;
    }
  }
}

std::ostream& operator<<(std::ostream& os, const Condition& cond) {
  os << "<Condition [" << (cond.locked() ? "locked" : "unlocked");
  if (!cond.waiters_.empty()) os << ", waiters:" << cond.waiters_.size();
  return os << "]>";
}

}  // namespace asyncio
