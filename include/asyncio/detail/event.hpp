#pragma once
// The waiter behind Event. Not API.

#include <asyncio/detail/primitive_waiter.hpp>

namespace asyncio {
class Event;
}  // namespace asyncio

namespace asyncio::detail {
struct EventWaiter : PrimitiveWaiter {
  struct params {
    Event* event;
  };
  using result_type = bool;
  explicit EventWaiter(const params& p) noexcept : event(p.event) {
    describe_wait = &describe_primitive<EventWaiter, &EventWaiter::event>;
  }
  bool ready() const noexcept;
  void suspend(EventLoop& loop, TaskCore* task) noexcept;
  bool resume();
  Event* event;
};
}  // namespace asyncio::detail
