#include <asyncio/queue.hpp>

#include <ostream>

namespace asyncio::detail {

void QueueCore::task_done() {
  check_thread();
  if (unfinished_ == 0) throw ValueError("task_done() called too many times");
  if (--unfinished_ == 0) finished_.set();
}

void QueueCore::shutdown_waiters() noexcept {
  for (WaitList* list : {&getters_, &putters_}) {
    while (Waiter* w = list->pop_front()) {
      auto* p = static_cast<PrimitiveWaiter*>(w);
      if (p->pending()) hand_off(p);
    }
  }
}

void QueueCore::describe(std::ostream& os, const char*) const {
  if (!getters_.empty()) os << " _getters[" << getters_.size() << ']';
  if (!putters_.empty()) os << " _putters[" << putters_.size() << ']';
  if (unfinished_) os << " tasks=" << unfinished_;
  if (shutdown_) os << " shutdown";
  os << '>';
}

}  // namespace asyncio::detail
