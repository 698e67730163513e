#pragma once
// The waiter of Lock, Event, Semaphore, Condition and Queue. Not API.

#include <asyncio/detail/awaiter.hpp>
#include <asyncio/detail/future_core.hpp>
#include <asyncio/detail/task_core.hpp>
#include <asyncio/held.hpp>

#include <cstdint>
#include <ostream>
#include <string>

namespace asyncio::detail {

/// A waiter that behaves like the Future CPython's primitives append to their `_waiters`:
/// waiting ("not done"), woken ("result set") or cancelled. It stays in its list until its
/// coroutine runs again, exactly as the Future does, so the FIFO and fairness rules of
/// CPython's primitives carry over unchanged.
struct PrimitiveWaiter : Waiter {
  enum class Status : std::uint8_t { idle, waiting, woken, cancelled };

  PrimitiveWaiter() noexcept { try_cancel = &cancel_wait; }
  PrimitiveWaiter(const PrimitiveWaiter&) = delete;
  PrimitiveWaiter& operator=(const PrimitiveWaiter&) = delete;
  ~PrimitiveWaiter() { leave(); }

  /// Python: `not fut.done()`.
  bool pending() const noexcept { return status == Status::waiting; }
  bool woken() const noexcept { return status == Status::woken; }

  /// Joins `list` and suspends; `task.cancel()` now cancels this wait.
  void enqueue(WaitList& l, EventLoop& lp, TaskCore* t) noexcept {
    loop = &lp;
    status = Status::waiting;
    l.push_back(this);
    park(this, t);
  }
  /// Python: `fut.set_result(...)`: schedules the waiter. Precondition: pending().
  void wake() noexcept {
    status = Status::woken;
    LoopInternals::schedule(*loop, this);
  }
  /// Leaves the list (Python: `self._waiters.remove(fut)`). A detached waiter is in no
  /// list, and its list may be gone.
  void leave() noexcept { unlink(); }
  /// Woken, then detached before it ran (the primitive was destroyed): wait on until
  /// cancelled (see `rewait`). A waiter type with a rewait of its own calls this first.
  bool rewait() noexcept {
    if (!detached) [[likely]]
      return false;
    status = Status::waiting;
    return true;
  }
  /// Waits again in `l` after a wake-up that came to nothing (see `rewait`).
  void requeue(WaitList& l) noexcept {
    leave();
    status = Status::waiting;
    l.push_back(this);
  }
  CancelledError cancelled_error() const {
    return CancelledError(task ? task->take_cancel_message() : std::string());
  }

  static bool cancel_wait(Waiter* w, const std::string&) noexcept {
    auto* self = static_cast<PrimitiveWaiter*>(w);
    if (self->status != Status::waiting) return false;
    self->status = Status::cancelled;
    self->cancelled = true;
    LoopInternals::schedule(*self->loop, self);
    return true;
  }

  EventLoop* loop = nullptr;
  Status status = Status::idle;
};

/// The loop of the tasks that wait in `waiters` (null when none does). A primitive belongs
/// to that loop while they wait: it is what the primitive's operations wake.
inline EventLoop* waiters_loop(const WaitList& waiters) noexcept {
  return waiters.empty() ? nullptr : static_cast<const PrimitiveWaiter&>(*waiters.begin()).loop;
}

/// Debug mode: `RuntimeError` when a primitive whose waiters belong to a loop running on
/// another thread is used from this one. What the operations of Lock, Semaphore, Event,
/// Condition and the queues that can wake a waiter call first.
inline void check_waiters_thread(const WaitList& waiters) {
  check_thread([&] { return waiters_loop(waiters); });
}

/// A waiter's `describe_wait`: the task's repr says what it waits for
/// (`wait_for=<asyncio.locks.Lock object [locked]>`). `Member` points at the primitive.
template <typename W, auto Member>
void describe_primitive(const Waiter* w, std::ostream& os) {
  const auto* self = static_cast<const W*>(w);
  if (self->detached) {
    os << "<destroyed primitive>";  // see Waiter::detached
  } else {
    os << *(self->*Member);
  }
}

/// `co_await x.scoped()`: acquire as `Base` does, then hand out a guard that releases.
template <typename Base>
struct ScopedWaiter : Base {
  using params = typename Base::params;
  using primitive_type = std::remove_reference_t<decltype(std::declval<Base&>().primitive())>;
  using result_type = asyncio::Held<primitive_type>;
  explicit ScopedWaiter(const params& p) : Base(p) {}
  result_type resume() {
    Base::resume();
    return result_type(Base::primitive());
  }
};

}  // namespace asyncio::detail
