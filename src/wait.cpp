#include <asyncio/wait.hpp>

#include <memory>

namespace asyncio::detail {

// Python: asyncio.tasks._wait. The callbacks share their state on the heap, as Python's
// closure does: one may already be queued when wait returns, and run after it.
awaitable<void> wait_core(std::vector<FutureCore*> fs, std::optional<Delay> timeout,
                          ReturnWhen return_when) {
  struct State {
    Future<void> waiter;
    TimerHandle timeout_handle;
    std::size_t counter;
    ReturnWhen return_when;
  };
  EventLoop& loop = require_running_loop();
  auto st = std::make_shared<State>(State{Future<void>(loop), {}, fs.size(), return_when});
  if (timeout) {
    st->timeout_handle = loop.call_later(*timeout, [st] {
      if (!st->waiter.done()) st->waiter.set_result();
    });
  }
  std::vector<std::uint64_t> ids;
  ids.reserve(fs.size());
  for (FutureCore* f : fs) {
    auto on_completion = [st, f] {
      --st->counter;
      if (st->counter == 0 || st->return_when == FIRST_COMPLETED ||
          (st->return_when == FIRST_EXCEPTION && !f->cancelled() && f->take_exception())) {
        st->timeout_handle.cancel();
        if (!st->waiter.done()) st->waiter.set_result();
      }
    };
    ids.push_back(f->add_callback_node(
        new DoneCallback<decltype(on_completion)>(std::move(on_completion), f)));
  }
  auto cleanup = [&] {
    st->timeout_handle.cancel();
    st->timeout_handle = TimerHandle();  // its callback holds `st`: break the cycle
    for (std::size_t i = 0; i < fs.size(); ++i) fs[i]->remove_done_callback(ids[i]);
  };
  try {
    co_await st->waiter;
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
}

}  // namespace asyncio::detail
