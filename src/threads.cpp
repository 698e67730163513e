#include <asyncio/threads.hpp>

#include <thread>

namespace asyncio {

ThreadPoolExecutor& EventLoop::default_executor() {
  if (executor_shutdown_called_) throw RuntimeError("Executor shutdown has been called");
  if (!default_executor_) default_executor_ = std::make_shared<ThreadPoolExecutor>();
  return *default_executor_;
}

void EventLoop::set_default_executor(std::shared_ptr<ThreadPoolExecutor> executor) {
  check_callable_here();
  default_executor_ = std::move(executor);
}

// Python: the join runs on a thread of its own, so that the loop goes on running (a call
// on the executor may be waiting for this loop) while it waits.
awaitable<void> EventLoop::shutdown_default_executor() {
  executor_shutdown_called_ = true;
  if (!default_executor_) co_return;
  std::shared_ptr<ThreadPoolExecutor> executor = default_executor_;
  ConcurrentFuture<void> joined;
  std::thread joiner([executor, joined] {
    executor->shutdown(true);
    joined.set_result();
  });
  try {
    co_await wrap_future(joined, *this);
  } catch (...) {
    joiner.join();
    throw;
  }
  joiner.join();
}

}  // namespace asyncio
