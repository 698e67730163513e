#include <asyncio/wait.hpp>

namespace asyncio::detail {

// Python: asyncio.tasks._wait.
awaitable<void> wait_core(std::vector<FutureCore*> fs, WaitOptions options) {
  EventLoop& loop = require_running_loop();
  Future<void> waiter(loop);
  TimerHandle timeout_handle;
  if (options.timeout) {
    timeout_handle = loop.call_later(options.timeout->seconds, [waiter]() mutable {
      if (!waiter.done()) waiter.set_result();
    });
  }
  std::size_t counter = fs.size();
  auto on_completion = [&counter, &timeout_handle, waiter, options](FutureCore* f) mutable {
    --counter;
    if (counter == 0 || options.return_when == FIRST_COMPLETED ||
        (options.return_when == FIRST_EXCEPTION && !f->cancelled() && f->take_exception())) {
      timeout_handle.cancel();
      if (!waiter.done()) waiter.set_result();
    }
  };
  std::vector<std::uint64_t> ids;
  ids.reserve(fs.size());
  for (FutureCore* f : fs) {
    auto cb = [on_completion, f]() mutable { on_completion(f); };
    ids.push_back(f->add_callback_node(new DoneCallback<decltype(cb)>(std::move(cb), f)));
  }
  auto cleanup = [&] {
    timeout_handle.cancel();
    for (std::size_t i = 0; i < fs.size(); ++i) fs[i]->remove_done_callback(ids[i]);
  };
  try {
    co_await waiter;
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
}

}  // namespace asyncio::detail
