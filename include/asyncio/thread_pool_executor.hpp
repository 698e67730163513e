#pragma once
/// `ThreadPoolExecutor`: worker threads for blocking calls. Python:
/// `concurrent.futures.ThreadPoolExecutor`.

#include <asyncio/concurrent_future.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
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
  /// its result or exception. The arguments are copied (or moved) into the call.
  /// Throws: `RuntimeError("cannot schedule new futures after shutdown")`.
  template <typename F, typename... Args>
  auto submit(F fn, Args... args) {
    using R = std::invoke_result_t<F&, Args&...>;
    ConcurrentFuture<R> future;
    auto call = [future, fn = std::move(fn), args = std::make_tuple(std::move(args)...)]() mutable {
      if (!future.set_running_or_notify_cancel()) return;
      try {
        if constexpr (std::is_void_v<R>) {
          std::apply(fn, args);
          future.set_result();
        } else {
          future.set_result(std::apply(fn, args));
        }
      } catch (...) {
        future.set_exception(std::current_exception());
      }
    };
    // std::function needs a copyable callable: a move-only one (holding a unique_ptr, say)
    // is kept behind a shared_ptr and run once.
    auto shared = std::make_shared<decltype(call)>(std::move(call));
    post_job({[shared] { (*shared)(); }, [future] { future.cancel(); }});
    return future;
  }

  /// Python: `executor.shutdown(wait=True, cancel_futures=False)`: no more submissions; with
  /// `wait`, returns once every worker has finished; with `cancel_futures`, work not yet
  /// started is cancelled instead of run. Calling it again is harmless.
  void shutdown(bool wait = true, bool cancel_futures = false);

  /// The most workers it starts.
  std::size_t max_workers() const noexcept;

 private:
  /// A submitted call: runs the work, or (cancel_futures) only cancels its future.
  struct Job {
    std::function<void()> run;
    std::function<void()> cancel;
  };
  void post_job(Job job);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace asyncio
