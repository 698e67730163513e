#pragma once
// The waiter protocol every asyncio awaitable uses, and the list primitives keep their
// waiters in. Not API.

#include <asyncio/detail/ready_queue.hpp>

#include <boost/intrusive/list.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>

namespace asyncio::detail {

class TaskCore;

/// Something waiting for a Future, a timer or a primitive: a coroutine suspended in
/// `co_await` (the waiter lives in its frame) or a done-callback (on the heap). When woken
/// it is pushed on the ready queue, so waking costs no allocation.
struct Waiter : ReadyNode {
  /// Wait-list link, apart from the ready queue's: a primitive's waiter stays listed while
  /// its wake-up is queued, as the Future in CPython's `_waiters` does. Auto-unlink: a
  /// waiter leaves its list from anywhere (cancelled, destroyed) without naming the list.
  boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>
      wait_hook;
  TaskCore* task = nullptr;  // the task whose step this wait is, if any
  /// Cancels the wait, waking the waiter with `cancelled` set; returns false when it can't
  /// (already woken). Python: `task._fut_waiter.cancel(msg)`.
  bool (*try_cancel)(Waiter*, const std::string& msg) = nullptr;
  /// Writes what is awaited, for the task's repr (`wait_for=<Future pending>`); may be null.
  void (*describe_wait)(const Waiter*, std::ostream&) = nullptr;
  bool is_callback = false;  // a heap DoneCallback, owned by the list it is in
  bool holds_ref = false;    // a scheduled DoneCallback keeps its future alive
  /// Its wait list was destroyed (a primitive destroyed while tasks wait on it): it waits on,
  /// touching nothing of the primitive, until cancelled.
  bool detached = false;
  /// Resume with CancelledError: the task was cancelled after the wake-up was queued, or
  /// the wait itself was cancelled.
  bool cancelled = false;

  bool linked() const noexcept { return wait_hook.is_linked(); }
  /// Leaves its wait list, if in one.
  void unlink() noexcept { wait_hook.unlink(); }
};

/// Intrusive FIFO of waiters with O(1) removal (a cancelled waiter leaves from the middle).
/// `size()` walks the list: only reprs and `Condition::notify_all` ask for it.
class WaitList {
  using List = boost::intrusive::list<
      Waiter,
      boost::intrusive::member_hook<Waiter, decltype(Waiter::wait_hook), &Waiter::wait_hook>,
      boost::intrusive::constant_time_size<false>>;

 public:
  using iterator = List::iterator;
  using const_iterator = List::const_iterator;

  WaitList() noexcept = default;
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;
  /// Detaches the waiters still listed (see `Waiter::detached`). Python would keep the
  /// object alive for them; C++ owners may destroy it, and the waiters must not notice.
  ~WaitList() {
    if (!empty()) detach_all();
  }

  // begin() == end() rather than list::empty(), which also allows for a null header link.
  bool empty() const noexcept { return list_.begin() == list_.end(); }
  Waiter* front() noexcept { return empty() ? nullptr : &*list_.begin(); }
  std::size_t size() const noexcept { return list_.size(); }

  void push_back(Waiter* w) noexcept { list_.push_back(*w); }
  /// Unlinks `w` if it is listed (in this list: a waiter is in one list at a time).
  static void remove(Waiter* w) noexcept { w->unlink(); }

  Waiter* pop_front() noexcept {
    const auto first = list_.begin();
    if (first == list_.end()) return nullptr;
    Waiter* w = &*first;
    list_.erase(first);
    return w;
  }

  iterator begin() noexcept { return list_.begin(); }
  iterator end() noexcept { return list_.end(); }
  const_iterator begin() const noexcept { return list_.begin(); }
  const_iterator end() const noexcept { return list_.end(); }

  /// Visits each waiter in order; `f` may unlink the one it is given.
  template <typename F>
  void for_each(F&& f) {
    for (auto it = list_.begin(); it != list_.end();) f(&*it++);
  }

 private:
  void detach_all() noexcept;

  List list_;
};

}  // namespace asyncio::detail
