#pragma once
// The library's own access to the event loop's scheduler. Not API.

#include <asyncio/event_loop.hpp>

#include <cstdint>
#include <string>

namespace asyncio::detail {

/// Privileged access to the loop's scheduler, for the library's own primitives.
struct LoopInternals {
  static void schedule(EventLoop& l, ReadyNode* n) noexcept { l.ready_.push(n); }
  static TaskCore*& current_task(EventLoop& l) noexcept { return l.current_task_; }
  static void add_timer(EventLoop& l, TimerNode* n, std::int64_t when) { l.add_timer(n, when); }
  static void cancel_timer(EventLoop& l, TimerNode* n) noexcept {
    if (n->scheduled()) l.timers_.erase(n);
  }
  static std::int64_t now_ns(const EventLoop& l) noexcept { return l.now_ns(); }
  static TaskList& tasks(EventLoop& l) noexcept { return l.tasks_; }
  static void hold(EventLoop& l, ExternalHold* h) noexcept { l.external_holds_.push_back(*h); }
  static bool closing(const EventLoop& l) noexcept { return l.closing_; }
  static std::uint32_t id(const EventLoop& l) noexcept { return l.id_; }
  static std::string& debug_last_step(EventLoop& l) noexcept { return l.debug_last_step_; }
};

}  // namespace asyncio::detail
