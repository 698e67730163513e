#include <asyncio/event.hpp>

#include <ostream>

namespace asyncio {

namespace detail {

bool EventWaiter::ready() const noexcept {
  return event->value_;
}

void EventWaiter::suspend(EventLoop& loop, TaskCore* task) noexcept {
  enqueue(event->waiters_, loop, task);
}

bool EventWaiter::resume() {
  if (status == Status::idle) return true;  // already set
  leave();
  if (cancelled) throw cancelled_error();
  return true;
}

}  // namespace detail

void Event::set() {
  detail::check_waiters_thread(waiters_);
  if (value_) return;
  value_ = true;
  for (detail::Waiter& w : waiters_) {
    auto& p = static_cast<detail::PrimitiveWaiter&>(w);
    if (p.pending()) p.wake();
  }
}

std::ostream& operator<<(std::ostream& os, const Event& event) {
  os << "<asyncio.locks.Event object [" << (event.value_ ? "set" : "unset");
  if (!event.waiters_.empty()) os << ", waiters:" << event.waiters_.size();
  return os << "]>";
}

}  // namespace asyncio
