#pragma once
/// `Semaphore` and `BoundedSemaphore`. Python: `asyncio.Semaphore`, `asyncio.BoundedSemaphore`.

#include <asyncio/detail/semaphore.hpp>
#include <asyncio/operation.hpp>

#include <iosfwd>

namespace asyncio {

/// A counter of available slots. Python: `asyncio.Semaphore(value)`.
///
/// FIFO as CPython 3.12+: a task does not take a free slot while earlier waiters are still
/// to run. Acquiring a free slot does not yield.
/// Cancellation: no wake-up is lost when a woken waiter is cancelled before it runs (it
/// gives the slot back and wakes the next).
/// Threads: the loop's thread only.
class Semaphore {
 public:
  /// Throws: `ValueError("Semaphore initial value must be >= 0")`.
  explicit Semaphore(long value = 1);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore() = default;

  /// Python: `await sem.acquire()` (gives true).
  [[nodiscard]] auto acquire() noexcept {
    return Operation<detail::SemaphoreAcquireWaiter>({this});
  }
  /// Python: `async with sem:`. The guard releases when destroyed.
  [[nodiscard]] auto scoped() noexcept {
    return Operation<detail::ScopedWaiter<detail::SemaphoreAcquireWaiter>>({this});
  }
  /// Python: `sem.release()`: frees a slot and wakes the first waiter.
  /// Throws: `OverflowError` when the value is already `LONG_MAX` (Python's int would grow
  /// on); the semaphore is left unchanged.
  virtual void release();
  /// Python: `sem.locked()`: true when `acquire()` would wait.
  bool locked() const noexcept;
  /// The number of free slots (Python: `_value`).
  long value() const noexcept { return value_; }

  /// Python's repr without the address: `<asyncio.locks.Semaphore object [unlocked, value:2]>`,
  /// `<asyncio.locks.BoundedSemaphore object [locked, waiters:1]>`.
  friend std::ostream& operator<<(std::ostream& os, const Semaphore& sem);

 protected:
  virtual const char* kind() const noexcept { return "Semaphore"; }
  long value_;

 private:
  friend struct detail::SemaphoreAcquireWaiter;
  bool wake_up_next() noexcept;
  detail::WaitList waiters_;
};

/// A Semaphore that refuses to be released above its initial value.
/// Python: `asyncio.BoundedSemaphore`.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(long value = 1) : Semaphore(value), bound_(value) {}
  /// Throws: `ValueError("BoundedSemaphore released too many times")`.
  void release() override;

 protected:
  const char* kind() const noexcept override { return "BoundedSemaphore"; }

 private:
  long bound_;
};

}  // namespace asyncio
