#pragma once
// The coroutines behind `timeout` and `wait_for`. Not API.

#include <asyncio/awaitable.hpp>
#include <asyncio/detail/ensure_future.hpp>
#include <asyncio/exceptions.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

/// What a timeout body returns: it takes the Timeout scope, or nothing.
template <typename F, typename Scope>
struct body_result {
  using type = std::invoke_result_t<F&>;
};
template <typename F, typename Scope>
requires std::is_invocable_v<F&, Scope&>
struct body_result<F, Scope> {
  using type = std::invoke_result_t<F&, Scope&>;
};

/// Runs `body` (taking nothing or the scope) inside a `Scope` (`Timeout`, a parameter
/// because it is defined after this header) with the deadline `when_ns` on the loop clock.
template <typename Scope, typename F>
auto run_in_timeout(std::optional<std::int64_t> when_ns, F body) {
  using R = typename body_result<F, Scope>::type::value_type;
  return [](std::optional<std::int64_t> when_ns, F body) -> awaitable<R> {
    Scope scope(std::nullopt);
    Scope::Access::set_deadline(scope, when_ns);
    scope.enter();
    std::exception_ptr error;
    std::optional<value_or_monostate<R>> result;
    try {
      if constexpr (std::is_invocable_v<F&, Scope&>) {
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
  }(when_ns, std::move(body));
}

/// The loop clock of the running loop, in nanoseconds.
/// Throws: `RuntimeError("no running event loop")`.
std::int64_t running_loop_now_ns();

/// Python: `_cancel_and_wait(fut)`: cancel `core` and wait until it is done, without
/// awaiting it (so that the waiting itself stays cancellable).
awaitable<void> cancel_and_wait(FutureCore* core);

/// Python 3.12's `wait_for`: `timeout(delay)` around `await aw`; a delay <= 0 cancels `aw`
/// at once and waits for it.
template <typename Scope, typename X>
awaitable<value_t<X>> wait_for(X aw, std::int64_t delay_ns) {
  using T = value_t<X>;
  if (delay_ns <= 0) {
    auto fut = ensure_future(std::move(aw));
    if (!fut.done()) {
      co_await cancel_and_wait(core_of(fut));
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
  co_return co_await run_in_timeout<Scope>(
      deadline_after(running_loop_now_ns(), delay_ns),
      [&]() -> awaitable<T> { co_return co_await awaitable_of(std::move(aw)); });
}

/// A double as Python's repr writes it: 115.0, 0.1, 1e+20.
std::string python_float(double v);

}  // namespace asyncio::detail
