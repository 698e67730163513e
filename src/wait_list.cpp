#include <asyncio/detail/wait_list.hpp>
#include <asyncio/event_loop.hpp>

#include <string>

namespace asyncio::detail {

void WaitList::detach_all() noexcept {
  std::size_t n = 0;
  while (Waiter* w = pop_front()) {
    w->detached = true;
    ++n;
  }
  if (running_loop && running_loop->get_debug()) {
    try {
      running_loop->log(
          "asyncio: a primitive (Lock, Event, Semaphore, Queue...) was destroyed "
          "while " +
          std::to_string(n) + " task(s) waited on it; they wait on until cancelled");
    } catch (...) {
    }
  }
}

}  // namespace asyncio::detail
