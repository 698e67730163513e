#pragma once
/// `timeout`, `timeout_at`, `wait_for`. Python: `asyncio.timeout`, `asyncio.timeout_at`,
/// `asyncio.wait_for`.

#include <asyncio/awaitable.hpp>
#include <asyncio/detail/ensure_future.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/task.hpp>

#include <chrono>
#include <exception>
#include <iosfwd>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncio {

/// The scope of a `timeout()` block. Python: `asyncio.Timeout`.
///
/// When the deadline passes, the task running the block is cancelled; the block then ends
/// with `TimeoutError` instead of `CancelledError` (unless the task was also cancelled from
/// elsewhere, in which case `CancelledError` goes on).
class Timeout {
 public:
  enum class State { created, active, expiring, expired, finished };

  /// `when` is a `loop.time()` value; none means no deadline.
  explicit Timeout(std::optional<double> when) noexcept : when_(when) {}
  Timeout(const Timeout&) = delete;
  Timeout& operator=(const Timeout&) = delete;
  ~Timeout() { timer_.cancel(); }

  /// Python: `Timeout.when()`.
  std::optional<double> when() const noexcept { return when_; }
  /// Python: `Timeout.reschedule(when)`: move the deadline (none: remove it).
  /// Throws: `RuntimeError` unless the block is running.
  void reschedule(std::optional<double> when);
  /// Python: `Timeout.expired()`: the deadline passed while the block ran.
  bool expired() const noexcept { return state_ == State::expiring || state_ == State::expired; }

  /// Python's repr: `<Timeout [active] when=10.0>`.
  friend std::ostream& operator<<(std::ostream& os, const Timeout& t);

  /// Python: `__aenter__`. Throws: `RuntimeError` outside a task or when entered twice.
  void enter();
  /// Python: `__aexit__`: throws `TimeoutError` when the deadline cancelled the block.
  void exit(const std::exception_ptr& error);

 private:
  void on_timeout();

  std::optional<double> when_;
  Handle timer_;
  AnyTask task_;
  int cancelling_ = 0;
  State state_ = State::created;
};

namespace detail {
/// Seconds (a double) or any chrono duration, for the delays of timeout() and wait_for().
struct Delay {
  Delay(double s) : seconds(s) {}
  template <typename Rep, typename Period>
  Delay(std::chrono::duration<Rep, Period> d) : seconds(std::chrono::duration<double>(d).count()) {}
  double seconds;
};

/// What a timeout body returns: it takes the Timeout scope, or nothing.
template <typename F>
struct body_result {
  using type = std::invoke_result_t<F&>;
};
template <typename F>
requires std::is_invocable_v<F&, Timeout&>
struct body_result<F> {
  using type = std::invoke_result_t<F&, Timeout&>;
};

/// Runs `body` (taking nothing or the Timeout) inside the scope.
template <typename F>
auto run_in_timeout(std::optional<double> when, F body) {
  using R = typename body_result<F>::type::value_type;
  return [](std::optional<double> when, F body) -> awaitable<R> {
    Timeout scope(when);
    scope.enter();
    std::exception_ptr error;
    std::optional<value_or_monostate<R>> result;
    try {
      if constexpr (std::is_invocable_v<F&, Timeout&>) {
        if constexpr (std::is_void_v<R>) {
          co_await body(scope);
          result.emplace();
        } else {
          result.emplace(co_await body(scope));
        }
      } else {
        if constexpr (std::is_void_v<R>) {
          co_await body();
          result.emplace();
        } else {
          result.emplace(co_await body());
        }
      }
    } catch (...) {
      error = std::current_exception();
    }
    scope.exit(error);  // TimeoutError, when the deadline is what ended the body
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<R>) co_return std::move(*result);
  }(when, std::move(body));
}

double loop_time();
/// A double as Python's repr writes it: 115.0, 0.1, 1e+20.
std::string python_float(double v);
}  // namespace detail

/// Runs `body` with a deadline `delay` from now. Python: `async with asyncio.timeout(delay):`.
///
/// `body` is a callable returning `awaitable<T>`, taking nothing or the `Timeout&` scope;
/// gives the body's value. A negative or zero delay expires at once (at the next await).
/// Throws: `TimeoutError` when the deadline passes, after the body has ended.
template <typename F>
auto timeout(detail::Delay delay, F body) {
  return detail::run_in_timeout(detail::loop_time() + delay.seconds, std::move(body));
}
/// `timeout(std::nullopt, body)`: no deadline (it can be set later with `reschedule`).
template <typename F>
auto timeout(std::nullopt_t, F body) {
  return detail::run_in_timeout(std::nullopt, std::move(body));
}
/// Python: `async with asyncio.timeout_at(when):`; `when` is a `loop.time()` value.
template <typename F>
auto timeout_at(std::optional<double> when, F body) {
  return detail::run_in_timeout(when, std::move(body));
}

/// Awaits `aw` with a time limit. Python 3.12+: `await asyncio.wait_for(aw, timeout)`.
///
/// `aw` is an `awaitable<T>`, a `Task<T>`, a `Future<T>`, an asyncio operation, or a
/// coroutine function (`[=]() -> awaitable<T> {...}`, kept alive with its captures until
/// its coroutine ends). On expiry the inner work is cancelled and waited for, then
/// `TimeoutError` is raised (unless the inner work swallowed the cancellation and returned a
/// value: then that value). A delay <= 0 cancels at once. Nothing is left running when
/// wait_for returns.
template <typename X>
requires detail::future_like<X> awaitable<detail::value_t<X>> wait_for(X aw, detail::Delay delay);

/// `wait_for(aw, std::nullopt)`: no limit (Python: `timeout=None`).
template <typename X>
requires detail::future_like<X> awaitable<detail::value_t<X>> wait_for(X aw, std::nullopt_t) {
  co_return co_await detail::awaitable_of(std::move(aw));
}

namespace detail {
/// Python: `_cancel_and_wait(fut)`: cancel `core` and wait until it is done, without
/// awaiting it (so that the waiting itself stays cancellable).
awaitable<void> cancel_and_wait(FutureCore* core);
}  // namespace detail

template <typename X>
requires detail::future_like<X> awaitable<detail::value_t<X>> wait_for(X aw, detail::Delay delay) {
  using T = detail::value_t<X>;
  if (delay.seconds <= 0) {
    auto fut = detail::ensure_future(std::move(aw));
    if (!fut.done()) {
      co_await detail::cancel_and_wait(detail::core_of(fut));
      try {
        if constexpr (std::is_void_v<T>) {
          fut.result();
          co_return;
        } else {
          co_return fut.result();
        }
      } catch (const CancelledError&) {
        throw TimeoutError();
      }
    }
    co_return fut.result();
  }
  co_return co_await timeout(
      delay, [&]() -> awaitable<T> { co_return co_await detail::awaitable_of(std::move(aw)); });
}

}  // namespace asyncio
