#pragma once
/// `ConcurrentFuture<T>`: a result computed on another thread. Python:
/// `concurrent.futures.Future`.

#include <asyncio/delay.hpp>
#include <asyncio/detail/concurrent_future.hpp>

#include <concepts>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace asyncio {

/// A result that some thread will set: what `ThreadPoolExecutor::submit` and
/// `run_coroutine_threadsafe` give. Python: `concurrent.futures.Future`.
///
/// Threads: any, unlike `Future<T>`. A cheap copyable handle; copies share one state.
/// `result()` blocks the calling thread: on a loop's thread, waiting for work that loop must
/// do deadlocks. In a task, `co_await wrap_future(f)` instead.
template <typename T = void>
class ConcurrentFuture {
 public:
  using value_type = T;

  /// A pending future.
  ConcurrentFuture() : state_(std::make_shared<detail::ConcurrentState<T>>()) {}

  /// Python: `result(timeout=None)`: waits until done, then gives the value or rethrows the
  /// exception (`CancelledError` when cancelled). A value that cannot be copied is moved
  /// out, once. Throws: `TimeoutError` when `timeout` passes first.
  T result(std::optional<Delay> timeout = std::nullopt) const { return state_->result(timeout); }
  /// `result()`, as `std::future::get()` spells it.
  T get() const { return result(); }
  /// Python: `exception(timeout=None)`: null when there is a value.
  /// Throws: `CancelledError` when cancelled, `TimeoutError` as `result`.
  std::exception_ptr exception(std::optional<Delay> timeout = std::nullopt) const {
    return state_->exception(timeout);
  }

  bool done() const { return state() >= State::cancelled; }
  bool cancelled() const { return state() == State::cancelled; }
  bool running() const { return state() == State::running; }
  /// Python: `cancel()`: false once the work runs or finished. For a future of
  /// `run_coroutine_threadsafe`, cancels the task too.
  bool cancel() const { return state_->cancel(); }

  /// Python: `add_done_callback(fn)`: `fn(future)` runs once the future is done, on the
  /// thread that finishes it (at once, on this thread, when it is done already).
  template <std::invocable<ConcurrentFuture> F>
  void add_done_callback(F fn) const {
    state_->add_callback([fn = std::move(fn), self = *this]() mutable { fn(self); });
  }

  /// Python: `set_running_or_notify_cancel()`, for whoever does the work: false when the
  /// future was cancelled (then skip the work). Throws: `RuntimeError` unless pending.
  bool set_running_or_notify_cancel() const { return state_->set_running_or_notify_cancel(); }
  /// Python: `set_result(value)`. Throws: `InvalidStateError` when done.
  template <typename... U>
  void set_result(U&&... value) const {
    static_assert(std::is_void_v<T> ? sizeof...(U) == 0 : sizeof...(U) == 1,
                  "set_result takes one value (none for a ConcurrentFuture<void>)");
    state_->set_result(std::forward<U>(value)...);
  }
  /// Python: `set_exception(exc)`. Throws: `InvalidStateError` when done.
  void set_exception(std::exception_ptr e) const { state_->set_exception(std::move(e)); }

  /// For `run_coroutine_threadsafe`: the loop whose task will set it.
  void set_producer(EventLoop* loop) const { state_->set_producer(loop); }

  friend bool operator==(const ConcurrentFuture& a, const ConcurrentFuture& b) noexcept {
    return a.state_ == b.state_;
  }

 private:
  using State = detail::ConcurrentCore::State;
  State state() const { return state_->state(); }

  std::shared_ptr<detail::ConcurrentState<T>> state_;
};

}  // namespace asyncio
