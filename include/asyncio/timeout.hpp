#pragma once
/// `timeout`, `timeout_at`, `wait_for`. Python: `asyncio.timeout`, `asyncio.timeout_at`,
/// `asyncio.wait_for`.

#include <asyncio/awaitable.hpp>
#include <asyncio/delay.hpp>
#include <asyncio/detail/timeout.hpp>
#include <asyncio/ensure_future.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/task.hpp>

#include <cstdint>
#include <exception>
#include <iosfwd>
#include <optional>
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
  explicit Timeout(std::optional<double> when);
  Timeout(const Timeout&) = delete;
  Timeout& operator=(const Timeout&) = delete;
  ~Timeout() { timer_.cancel(); }

  /// Python: `Timeout.when()`.
  std::optional<double> when() const noexcept;
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

  /// For `timeout()` and `wait_for`: a deadline exact to the nanosecond.
  struct Access {
    static void set_deadline(Timeout& t, std::optional<std::int64_t> when_ns) noexcept {
      t.when_ns_ = when_ns;
    }
  };

 private:
  void schedule();
  void on_timeout();

  std::optional<std::int64_t> when_ns_;  // loop clock
  Handle timer_;
  AnyTask task_;
  int cancelling_ = 0;
  State state_ = State::created;
};

/// Runs `body` with a deadline `delay` from now: seconds or a `std::chrono::duration`
/// (exact). Python: `async with asyncio.timeout(delay):`.
///
/// `body` is a callable returning `awaitable<T>`, taking nothing or the `Timeout&` scope;
/// gives the body's value. A negative or zero delay expires at once (at the next await).
/// Throws: `TimeoutError` when the deadline passes, after the body has ended.
template <typename F>
auto timeout(Delay delay, F body) {
  return detail::run_in_timeout<Timeout>(
      detail::deadline_after(detail::running_loop_now_ns(), delay.count()), std::move(body));
}

/// `timeout(std::nullopt, body)`: no deadline (it can be set later with `reschedule`).
template <typename F>
auto timeout(std::nullopt_t, F body) {
  return detail::run_in_timeout<Timeout>(std::nullopt, std::move(body));
}

/// Python: `async with asyncio.timeout_at(when):`; `when` is a `loop.time()` value.
template <typename F>
auto timeout_at(std::optional<double> when, F body) {
  std::optional<std::int64_t> when_ns;
  if (when) when_ns = detail::delay_to_ns(*when);
  return detail::run_in_timeout<Timeout>(when_ns, std::move(body));
}

/// Awaits `aw` with a time limit: seconds or a `std::chrono::duration` (exact). Python 3.12+:
/// `await asyncio.wait_for(aw, timeout)`.
///
/// `aw` is any `Awaitable` (a coroutine function is kept alive with its captures until its
/// coroutine ends). On expiry the inner work is cancelled and waited for, then
/// `TimeoutError` is raised (unless the inner work swallowed the cancellation and returned a
/// value: then that value). A delay <= 0 cancels at once. Nothing is left running when
/// wait_for returns.
template <Awaitable X>
awaitable<await_result_t<X>> wait_for(X aw, Delay delay) {
  return detail::wait_for<Timeout>(std::move(aw), delay.count());
}

/// `wait_for(aw, std::nullopt)`: no limit (Python: `timeout=None`).
template <Awaitable X>
awaitable<await_result_t<X>> wait_for(X aw, std::nullopt_t) {
  co_return co_await detail::awaitable_of(std::move(aw));
}

}  // namespace asyncio
