#include <asyncio/held.hpp>

#include <asyncio/event_loop.hpp>

namespace asyncio::detail {

void report_release_error(std::exception_ptr e) noexcept {
  if (running_loop) {
    running_loop->call_exception_handler({"Exception in release() of a scoped guard", e, {}});
  }
}

}  // namespace asyncio::detail
