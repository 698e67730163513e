#pragma once
/// `ThreadPoolExecutor`: worker threads for blocking calls. Python:
/// `concurrent.futures.ThreadPoolExecutor`.

#include <asyncio/concurrent_future.hpp>
#include <asyncio/detail/thread_pool_executor.hpp>

#include <cstddef>
#include <memory>
#include <utility>

namespace asyncio {

/// A pool of worker threads, started as work arrives (up to `max_workers`), that run
/// submitted calls in FIFO order. Python: `concurrent.futures.ThreadPoolExecutor`. Each loop's
/// default executor (`to_thread`, `run_in_executor(nullptr, ...)`) is one.
///
/// Threads: any; `submit` and `shutdown` may be called from any thread.
class ThreadPoolExecutor {
 public:
  /// Python: `ThreadPoolExecutor(max_workers=None)`: `0` means `min(32, cores + 4)`.
  explicit ThreadPoolExecutor(std::size_t max_workers = 0);
  /// `shutdown(true)`: waits for the work already submitted.
  ~ThreadPoolExecutor();
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  /// Python: `executor.submit(fn, *args)`: runs `fn(args...)` on a worker; the future gives
  /// its result or exception. The arguments are copied (or moved) into the call, and moved on
  /// into `fn`, which runs once: a move-only argument taken by value works. A parameter that
  /// is a non-const reference gets the call's own copy.
  /// Throws: `RuntimeError("cannot schedule new futures after shutdown")`.
  template <typename F, typename... Args>
  auto submit(F fn, Args... args) {
    using R = detail::call_result_t<F, Args...>;
    ConcurrentFuture<R> future;
    post_job(new detail::CallJob<R, F, Args...>(future, std::move(fn), std::move(args)...));
    return future;
  }

  /// Python: `executor.shutdown(wait=True, cancel_futures=False)`: no more submissions; with
  /// `wait`, returns once every worker has finished; with `cancel_futures`, work not yet
  /// started is cancelled instead of run. Calling it again is harmless.
  void shutdown(bool wait = true, bool cancel_futures = false);

  /// The most workers it starts.
  std::size_t max_workers() const noexcept;

 private:
  void post_job(detail::PoolJob* job);  // takes it over

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace asyncio
