#pragma once
// The calls queued in a `ThreadPoolExecutor`. Not API.

#include <asyncio/concurrent_future.hpp>
#include <asyncio/detail/pool.hpp>

#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

/// What `fn(args...)` gives as the executor calls it: once, so with the arguments moved in
/// (a move-only argument taken by value works), or as lvalues for a function that takes
/// one by non-const reference (it gets the call's own copy).
template <typename F, typename... Args>
using call_result_t =
    typename std::conditional_t<std::is_invocable_v<F, Args...>, std::invoke_result<F, Args...>,
                                std::invoke_result<F&, Args&...>>::type;

/// A submitted call, in the pool's queue: one allocation holds the function, its arguments
/// and its future.
struct PoolJob : Pooled {
  PoolJob() = default;
  PoolJob(const PoolJob&) = delete;
  PoolJob& operator=(const PoolJob&) = delete;
  virtual ~PoolJob() = default;
  /// Runs the call (unless its future was cancelled) and sets the future.
  virtual void run() = 0;
  /// `shutdown(cancel_futures=True)`: the call will not run.
  virtual void cancel() = 0;

  PoolJob* next = nullptr;
};

template <typename R, typename F, typename... Args>
struct CallJob final : PoolJob {
  CallJob(ConcurrentFuture<R> f, F&& fn, Args&&... args)
      : future(std::move(f)), fn_(std::move(fn)), args_(std::move(args)...) {}

  void run() override {
    if (!future.set_running_or_notify_cancel()) return;
    try {
      if constexpr (std::is_void_v<R>) {
        call();
        future.set_result();
      } else {
        future.set_result(call());
      }
    } catch (...) {
      future.set_exception(std::current_exception());
    }
  }
  void cancel() override { future.cancel(); }

  ConcurrentFuture<R> future;

 private:
  R call() {
    if constexpr (std::is_invocable_v<F, Args...>) {
      return std::apply(std::move(fn_), std::move(args_));
    } else {
      return std::apply(fn_, args_);
    }
  }

  F fn_;
  std::tuple<Args...> args_;
};

}  // namespace asyncio::detail
