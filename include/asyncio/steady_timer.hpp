#pragma once
/// `steady_timer`: `boost::asio::steady_timer` on the loop's clock, virtual time included.

#include <asyncio/delay.hpp>
#include <asyncio/detail/steady_timer.hpp>
#include <asyncio/event_loop.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>

namespace asyncio {

/// A timer for Asio code inside tasks: the members of `boost::asio::steady_timer` that
/// programs use, on the loop's clock (`loop.now()`) and the loop's own timer heap. Under
/// `run(main, {.virtual_time = true})` it follows the virtual clock, as `sleep` does; a raw
/// `boost::asio::steady_timer` always waits in real time. No Python twin: in a coroutine,
/// `co_await sleep(d)` says the same more simply.
///
///     asyncio::steady_timer t(loop, 5s);
///     co_await t.async_wait(asyncio::use_awaitable);  // t = 5 under virtual time
///
/// Its waits share the loop's timer heap with `sleep` and `call_at`: equal deadlines fire in
/// the order they were set, and a task resumes from a wait as it does from `sleep`, one
/// hop after its deadline fires.
///
/// There is no blocking `wait()`: it would block the loop's thread, the only one that can
/// make the timer expire.
///
/// Cancellation: `cancel()`, `expires_at()`, `expires_after()` and the destructor complete
/// the pending waits with `boost::asio::error::operation_aborted`, each on a later loop
/// iteration. `async_wait` honours its handler's cancellation slot (terminal, partial and
/// total), so cancelling the task that awaits it (`task.cancel()`, `timeout`, `wait_for`)
/// aborts the wait at once; see porting.md, *Asio operations in a task*.
/// Threads: the loop's thread only.
class steady_timer {
 public:
  /// The loop's clock: read it with `loop.now()`. Under virtual time `clock_type::now()` is
  /// still real time and means nothing to this timer.
  using clock_type = EventLoop::clock;
  using duration = EventLoop::duration;
  using time_point = EventLoop::time_point;
  using executor_type = EventLoop::executor_type;

  /// A timer of `loop` that has expired (its expiry is `time_point()`, as Asio's).
  explicit steady_timer(EventLoop& loop) noexcept : loop_(&loop) {}
  /// A timer of `loop` expiring at `expiry` (a `loop.now()` time point).
  steady_timer(EventLoop& loop, time_point expiry) noexcept : loop_(&loop), expiry_(expiry) {}
  /// A timer of `loop` expiring `after` from now: seconds or any `std::chrono::duration`.
  steady_timer(EventLoop& loop, Delay after);

  /// The same, from the loop's executor (`loop.get_executor()`).
  explicit steady_timer(const executor_type& ex) noexcept : steady_timer(ex.loop()) {}
  steady_timer(const executor_type& ex, time_point expiry) noexcept
      : steady_timer(ex.loop(), expiry) {}
  steady_timer(const executor_type& ex, Delay after) : steady_timer(ex.loop(), after) {}

  /// The same, from an `any_io_executor` wrapping a loop's executor, as Asio code holds
  /// one (`co_await boost::asio::this_coro::executor` inside a task).
  /// Throws: `ValueError` when `ex` is not a loop's executor.
  explicit steady_timer(const boost::asio::any_io_executor& ex);
  steady_timer(const boost::asio::any_io_executor& ex, time_point expiry);
  steady_timer(const boost::asio::any_io_executor& ex, Delay after);

  steady_timer(const steady_timer&) = delete;
  steady_timer& operator=(const steady_timer&) = delete;
  /// Takes over `other`'s expiry and pending waits; `other` is left as if just constructed
  /// on its loop (expired).
  steady_timer(steady_timer&& other) noexcept;
  /// Cancels this timer's pending waits, then takes over `other`'s (as the move above).
  steady_timer& operator=(steady_timer&& other);
  /// Completes the pending waits with `operation_aborted`, as Asio does.
  ~steady_timer() { cancel(); }

  /// The loop's executor: where handlers that have no executor of their own run.
  executor_type get_executor() noexcept { return loop_->get_executor(); }

  /// When the timer expires (expired: `expiry() <= loop.now()`).
  time_point expiry() const noexcept { return expiry_; }
  /// Sets the expiry, cancelling the pending waits. Returns how many were cancelled.
  std::size_t expires_at(time_point expiry);
  /// Sets the expiry to `after` from `loop.now()`, cancelling the pending waits. Returns how
  /// many were cancelled. Throws: `ValueError` for a NaN delay.
  std::size_t expires_after(Delay after) { return expires_at(deadline_after(after)); }

  /// Completes every pending wait with `operation_aborted`; returns how many. A wait whose
  /// expiry has passed and whose handler is queued is no longer pending (Asio's rule).
  std::size_t cancel();
  /// Completes the oldest pending wait with `operation_aborted`; returns 0 or 1.
  std::size_t cancel_one();

  /// Waits for the timer to expire: Asio's `async_wait`, with any completion token
  /// (`asyncio::use_awaitable`, `boost::asio::deferred`, a callback, awaitable operators).
  /// The handler gets an empty `error_code` at expiry, `operation_aborted` if cancelled; it
  /// runs on a later loop iteration (also when the timer has already expired), through its
  /// associated executor. Several waits may be pending on one timer.
  /// Cancellation: see the class.
  template <boost::asio::completion_token_for<void(boost::system::error_code)> Token =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_wait(Token&& token = {}) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(initiate_wait{this},
                                                                               token);
  }

 private:
  struct initiate_wait {
    steady_timer* self;
    executor_type get_executor() const noexcept { return self->get_executor(); }
    template <typename Handler>
    void operator()(Handler&& handler) const {
      detail::TimerWaitOp<std::decay_t<Handler>>::launch(*self->loop_, self->waits_,
                                                         self->expiry_.time_since_epoch().count(),
                                                         std::forward<Handler>(handler));
    }
  };

  time_point deadline_after(Delay after) const noexcept;

  EventLoop* loop_;
  time_point expiry_{};
  detail::TimerWaitList waits_;  // started, and not yet completed
};

}  // namespace asyncio
