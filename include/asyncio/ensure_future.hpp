#pragma once
/// `ensure_future` and the `Awaitable` concept: what `gather`, `wait_for`, `shield`,
/// `as_completed` and `create_task` accept. Python: `asyncio.ensure_future`.

#include <asyncio/detail/ensure_future.hpp>

#include <utility>

namespace asyncio {

/// What the combinators accept, as Python's awaitables: an `awaitable<T>` (a coroutine), a
/// `Task<T>`, a `Future<T>`, an `Operation` (`sleep(1s)`, `lock.acquire()`...), or a
/// coroutine function (`[=]() -> awaitable<T> {...}`, run as a task that keeps it and its
/// captures alive).
template <typename X>
concept Awaitable = detail::future_like<X>;

/// The value that awaiting an `X` gives (`void` included).
template <Awaitable X>
using await_result_t = detail::value_t<X>;

/// The handle `ensure_future(X)` gives: the `Task<T>` or `Future<T>` itself, or a new `Task<T>`.
template <Awaitable X>
using future_t = detail::future_t<X>;

/// A Task or Future for `x`: tasks and futures as they are, anything else wrapped in a task
/// (which starts on a later iteration). Python: `asyncio.ensure_future(aw)`.
/// Throws: `RuntimeError` when a task must be created without a running loop.
template <Awaitable X>
future_t<X> ensure_future(X&& x) {
  return detail::ensure_future(std::forward<X>(x));
}

}  // namespace asyncio
