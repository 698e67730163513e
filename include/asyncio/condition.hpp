#pragma once
/// `Condition`: wait until notified, under a lock. Python: `asyncio.Condition`.

#include <asyncio/awaitable.hpp>
#include <asyncio/detail/condition.hpp>
#include <asyncio/lock.hpp>
#include <asyncio/operation.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <type_traits>

namespace asyncio {

/// A condition variable for tasks. Python: `asyncio.Condition(lock=None)`.
///
/// Cancellation: a task cancelled in `wait()` re-acquires the lock before `CancelledError`
/// reaches it (and passes a notification on), as Python 3.13 does. If the Condition was
/// destroyed while the task waited, `wait()` waits on until cancelled and then raises at
/// once, touching nothing of it (a `scoped()` guard of its lock must not outlive it).
/// Threads: the loop's thread only.
class Condition {
 public:
  /// A condition with a lock of its own.
  Condition();
  /// A condition sharing `lock` (which must outlive it).
  explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;
  ~Condition();

  /// Python: `await cond.acquire()`.
  [[nodiscard]] auto acquire() noexcept { return lock_->acquire(); }
  /// Python: `async with cond:`.
  [[nodiscard]] auto scoped() noexcept { return lock_->scoped(); }
  /// Python: `cond.release()`. Throws: `RuntimeError` when not acquired.
  void release() { lock_->release(); }
  /// Python: `cond.locked()`.
  bool locked() const noexcept { return lock_->locked(); }

  /// Python: `await cond.wait()`: release the lock, wait for a notification, re-acquire.
  /// Gives true. Throws: `RuntimeError("cannot wait on un-acquired lock")`.
  awaitable<bool> wait();

  /// Python: `await cond.wait_for(predicate)`: wait until `pred()` is truthy; gives its value.
  template <typename Pred>
  awaitable<std::invoke_result_t<Pred&>> wait_for(Pred pred) {
    auto result = std::invoke(pred);
    while (!result) {
      co_await wait();
      result = std::invoke(pred);
    }
    co_return result;
  }

  /// Python: `cond.notify(n=1)`: wake up to `n` waiters; none when `n <= 0` (`n` is signed,
  /// as Python's int, so that `notify(-1)` does not wrap into "everyone").
  /// Throws: `RuntimeError("cannot notify on un-acquired lock")`.
  void notify(long n = 1);
  /// Python: `cond.notify_all()`.
  void notify_all() { notify(static_cast<long>(waiters_.size())); }

  /// Python's repr without the address: `<asyncio.locks.Condition object [locked, waiters:1]>`.
  friend std::ostream& operator<<(std::ostream& os, const Condition& cond);

 private:
  friend struct detail::ConditionWaiter;
  void notify_waiters(std::size_t n) noexcept;

  std::unique_ptr<Lock> own_lock_;
  Lock* lock_;
  detail::WaitList waiters_;
};

}  // namespace asyncio
