#pragma once
/// `sleep`: suspend the current coroutine for a while. Python: `asyncio.sleep`.

#include <asyncio/detail/awaiter.hpp>
#include <asyncio/detail/future_core.hpp>
#include <asyncio/detail/task_core.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace asyncio {

namespace detail {

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
      std::int64_t when;
      if (__builtin_add_overflow(LoopInternals::now_ns(loop), delay_ns_, &when)) {
        when = INT64_MAX;
      }
      LoopInternals::add_timer(loop, &timer_, when);
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

}  // namespace detail

/// Suspends the calling coroutine for `delay`. Python: `await asyncio.sleep(delay)`.
///
/// `sleep(0s)` (or any delay <= 0) yields to the loop exactly once: every callback that is
/// ready now runs first. Any `std::chrono::duration` works; huge delays mean "forever".
/// Cancellation: a cancelled sleep raises `CancelledError` and leaves no timer behind.
/// Throws: `RuntimeError` when awaited without a running loop.
template <typename Rep, typename Period>
detail::Awaitable<detail::SleepWaiter> sleep(std::chrono::duration<Rep, Period> delay) {
  return detail::Awaitable<detail::SleepWaiter>({detail::delay_to_ns(delay)});
}

/// `sleep` in seconds, as Python spells it: `co_await asyncio::sleep(0.5)`.
/// Throws: `ValueError("Invalid delay: NaN (not a number)")` for NaN.
inline detail::Awaitable<detail::SleepWaiter> sleep(double seconds) {
  return detail::Awaitable<detail::SleepWaiter>({detail::delay_to_ns(seconds)});
}

}  // namespace asyncio
