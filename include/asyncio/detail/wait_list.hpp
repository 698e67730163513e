#pragma once
// The waiter protocol every asyncio awaitable uses, and the list primitives keep their
// waiters in. Not API.

#include <asyncio/detail/ready_queue.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>

namespace asyncio::detail {

class TaskCore;

/// Something waiting for a Future, a timer or a primitive: a coroutine suspended in
/// `co_await` (the waiter lives in its frame) or a done-callback (on the heap). When woken
/// it is pushed on the ready queue, so waking costs no allocation.
struct Waiter : ReadyNode {
  // Wait-list links, apart from the ready queue's: a primitive's waiter stays listed
  // while its wake-up is queued, as the Future in CPython's `_waiters` does.
  Waiter* wnext = nullptr;
  Waiter* wprev = nullptr;
  TaskCore* task = nullptr;  // the task whose step this wait is, if any
  /// Cancels the wait, waking the waiter with `cancelled` set; returns false when it can't
  /// (already woken). Python: `task._fut_waiter.cancel(msg)`.
  bool (*try_cancel)(Waiter*, const std::string& msg) = nullptr;
  /// Writes what is awaited, for the task's repr (`wait_for=<Future pending>`); may be null.
  void (*describe_wait)(const Waiter*, std::ostream&) = nullptr;
  bool linked = false;
  bool is_callback = false;  // a heap DoneCallback, owned by the list it is in
  bool holds_ref = false;    // a scheduled DoneCallback keeps its future alive
  /// Its wait list was destroyed (a primitive destroyed while tasks wait on it): it waits on,
  /// touching nothing of the primitive, until cancelled.
  bool detached = false;
  /// Resume with CancelledError: the task was cancelled after the wake-up was queued, or
  /// the wait itself was cancelled.
  bool cancelled = false;
};

/// Intrusive FIFO of waiters with O(1) removal (a cancelled waiter leaves from the middle).
class WaitList {
 public:
  WaitList() noexcept = default;
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;
  /// Detaches the waiters still listed (see `Waiter::detached`). Python would keep the
  /// object alive for them; C++ owners may destroy it, and the waiters must not notice.
  ~WaitList() {
    if (head_) detach_all();
  }

  bool empty() const noexcept { return head_ == nullptr; }
  Waiter* front() const noexcept { return head_; }
  std::size_t size() const noexcept { return size_; }

  void push_back(Waiter* w) noexcept {
    w->wprev = tail_;
    w->wnext = nullptr;
    if (tail_) {
      tail_->wnext = w;
    } else {
      head_ = w;
    }
    tail_ = w;
    w->linked = true;
    ++size_;
  }

  void remove(Waiter* w) noexcept {
    if (!w->linked) return;
    if (w->wprev) {
      w->wprev->wnext = w->wnext;
    } else {
      head_ = w->wnext;
    }
    if (w->wnext) {
      w->wnext->wprev = w->wprev;
    } else {
      tail_ = w->wprev;
    }
    w->wprev = nullptr;
    w->wnext = nullptr;
    w->linked = false;
    --size_;
  }

  Waiter* pop_front() noexcept {
    Waiter* w = head_;
    if (w) remove(w);
    return w;
  }

  /// Visits each waiter in order; `f` may unlink the one it is given.
  template <typename F>
  void for_each(F&& f) {
    for (Waiter* w = head_; w;) {
      Waiter* next = w->wnext;
      f(w);
      w = next;
    }
  }

 private:
  void detach_all() noexcept;

  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace asyncio::detail
