#pragma once
// The waiter behind `sleep`. Not API.

#include <asyncio/detail/awaiter.hpp>
#include <asyncio/detail/future_core.hpp>
#include <asyncio/detail/task_core.hpp>

#include <cstdint>
#include <string>

namespace asyncio::detail {

/// Python: `sleep(d)`: a timer (`call_later`) whose callback wakes the waiter (a second
/// hop, as Python's future callback is); `sleep(0)`: a bare yield, one hop.
struct SleepWaiter : Waiter {
  struct params {
    std::int64_t delay_ns;
  };
  using result_type = void;

  explicit SleepWaiter(const params& p) : delay_ns_(p.delay_ns) {
    try_cancel = &cancel_wait;
    timer_.owner = this;
    timer_.fn = &timer_fired;
  }
  SleepWaiter(const SleepWaiter&) = delete;
  ~SleepWaiter() {
    if (timer_.scheduled()) LoopInternals::cancel_timer(*loop_, &timer_);
  }

  bool ready() const noexcept { return false; }  // even sleep(0) yields once

  void suspend(EventLoop& loop, TaskCore* task) {
    loop_ = &loop;
    if (delay_ns_ <= 0) {
      woken_ = true;
      LoopInternals::schedule(loop, this);
    } else {
      LoopInternals::add_timer(loop, &timer_,
                               deadline_after(LoopInternals::now_ns(loop), delay_ns_));
    }
    park(this, task);
  }

  void resume() {
    if (cancelled) throw CancelledError(task ? task->take_cancel_message() : std::string());
  }

 private:
  struct Timer : TimerNode {
    SleepWaiter* owner;
  };

  static void timer_fired(ReadyNode* n, ReadyNode::Action a) {
    SleepWaiter* self = static_cast<Timer*>(n)->owner;
    if (a == ReadyNode::Action::discard) {
      self->fn(self, a);  // unwind the sleeping coroutine
      return;
    }
    self->woken_ = true;
    LoopInternals::schedule(*self->loop_, self);
  }

  static bool cancel_wait(Waiter* w, const std::string&) {
    auto* self = static_cast<SleepWaiter*>(w);
    if (self->woken_) return false;
    LoopInternals::cancel_timer(*self->loop_, &self->timer_);
    self->woken_ = true;
    self->cancelled = true;
    LoopInternals::schedule(*self->loop_, self);
    return true;
  }

  std::int64_t delay_ns_;
  EventLoop* loop_ = nullptr;
  Timer timer_;
  bool woken_ = false;
};

}  // namespace asyncio::detail
