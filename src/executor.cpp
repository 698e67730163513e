#include <asyncio/detail/executor.hpp>

#include <boost/asio/io_context.hpp>

#include <exception>
#include <functional>
#include <utility>

namespace asyncio::detail {

void post_to_loop(EventLoop& loop, std::function<void()> fn) {
  try {
    loop.call_soon_threadsafe(std::move(fn));
  } catch (const RuntimeError&) {
    // The loop is closed: the work can never run (Asio drops it the same way).
  }
}

boost::asio::execution_context& LoopExecutor::query(
    boost::asio::execution::context_t) const noexcept {
  return loop_->get_io_context();
}

void LoopExecutor::report_executor_exception(EventLoop& loop, std::exception_ptr e) noexcept {
  loop.call_exception_handler({"Exception in callback (executor work)", std::move(e), {}});
}

}  // namespace asyncio::detail
