#pragma once
// The callbacks and task list behind the event loop. Not API.

#include <asyncio/detail/pool.hpp>
#include <asyncio/detail/ready_queue.hpp>

#include <boost/intrusive/list.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

namespace asyncio {
class EventLoop;
}  // namespace asyncio

namespace asyncio::detail {

/// The loop running on this thread, or null. Python: `events._get_running_loop()`.
inline thread_local EventLoop* running_loop = nullptr;

/// The loop with this id if it still exists. Handles outlive their loop; whatever they
/// would schedule on a destroyed loop is dropped instead.
EventLoop* live_loop(EventLoop* loop, std::uint32_t id) noexcept;

/// The running loop, or `RuntimeError("no running event loop")`.
EventLoop& require_running_loop();

/// How many loops are in debug mode. While none is, the foreign-thread check of a loop-bound
/// object (`check_thread`) costs one predictable branch.
inline std::atomic<int> debug_loops{0};

/// Debug mode (Python's `loop._check_thread()`): `RuntimeError("Non-thread-safe operation
/// invoked on an event loop other than the current one")` when `loop` (may be null) runs in
/// debug mode on another thread.
void check_loop_thread(const EventLoop* loop);

/// What a loop-only operation of a loop-bound object (Future, Task, a primitive with
/// waiters) calls first; `loop_of()` gives its loop, and is only called in debug mode.
template <typename LoopOf>
inline void check_thread(LoopOf&& loop_of) {
  if (debug_loops.load(std::memory_order_relaxed) != 0) [[unlikely]]
    check_loop_thread(loop_of());
}

/// State behind `Handle` / `TimerHandle`: a queued callback. Its count is atomic because
/// `call_soon_threadsafe` hands one out on a foreign thread.
struct CallbackBase : TimerNode, Pooled {
  explicit CallbackBase(EventLoop* l) noexcept : loop(l) {}
  virtual ~CallbackBase() = default;
  virtual void invoke() = 0;

  void add_ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  std::atomic<std::uint32_t> refs{1};
  EventLoop* loop;
  bool cancelled = false;
  bool is_timer = false;
};

template <typename F>
struct Callback final : CallbackBase {
  Callback(EventLoop* l, F&& fn) : CallbackBase(l), f(std::move(fn)) {}
  void invoke() override { f(); }
  F f;
};

/// A task's link in the loop's list of unfinished tasks (Python: `_scheduled_tasks`).
/// Auto-unlink: a task leaves when it ends, or at the latest when it is destroyed.
struct TaskListNode
    : boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
};
using TaskList = boost::intrusive::list<TaskListNode, boost::intrusive::constant_time_size<false>>;

/// Something of the loop's thread that another thread will hand back (`wrap_future`'s Future
/// handle). The loop frees what is left when it closes, on its own thread.
struct ExternalHold
    : boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
  virtual ~ExternalHold() = default;
};
using ExternalHolds =
    boost::intrusive::list<ExternalHold, boost::intrusive::constant_time_size<false>>;

/// A thread blocks (`delta` 1) or stops blocking (-1) until `loop` does some work: under
/// virtual time, the loop does not wait for that thread's announced work meanwhile.
void note_blocked_on(EventLoop& loop, int delta) noexcept;

}  // namespace asyncio::detail
