#pragma once
// Shared by the benchmarks: raw-Asio helpers and a resident-memory probe.

#include <asyncio/asyncio.hpp>

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>
#include <cstdio>

namespace bench {

namespace asio = boost::asio;

/// Resident memory of this process, in bytes (/proc/self/statm).
inline long resident_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * sysconf(_SC_PAGESIZE);
}

/// Runs a raw-Asio coroutine to completion on a fresh single-threaded io_context.
inline void run_asio(asio::awaitable<void> main) {
  asio::io_context ctx(1);
  asio::co_spawn(ctx, std::move(main), asio::detached);
  ctx.run();
}

/// A one-shot signal for raw Asio: awaiting it parks the coroutine on a timer that
/// `set()` cancels (the usual raw-Asio "event").
class AsioSignal {
 public:
  explicit AsioSignal(asio::any_io_executor ex)
      : timer_(ex, asio::steady_timer::time_point::max()) {}
  void set() { timer_.cancel(); }
  asio::awaitable<void> wait() {
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

 private:
  asio::steady_timer timer_;
};

}  // namespace bench
