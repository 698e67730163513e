#pragma once
/// `gather`: run awaitables concurrently and collect their results. Python: `asyncio.gather`.

#include <asyncio/detail/gather.hpp>
#include <asyncio/ensure_future.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <exception>
#include <utility>
#include <variant>
#include <vector>

namespace asyncio {

/// A result or the exception that took its place. Python: an item of
/// `gather(..., return_exceptions=True)`'s list.
template <typename T>
class Outcome {
 public:
  Outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Outcome(std::exception_ptr e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  /// The value. Throws: the exception, when there is one.
  T& value() & {
    if (!has_value()) std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!has_value()) std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!has_value()) std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(std::move(v_));
  }
  /// The exception (a `CancelledError` for a cancelled child); null when there is a value.
  std::exception_ptr exception() const noexcept { return has_value() ? nullptr : std::get<1>(v_); }

 private:
  std::variant<T, std::exception_ptr> v_;
};

template <>
class Outcome<void> {
 public:
  Outcome() = default;
  Outcome(std::exception_ptr e) : e_(std::move(e)) {}
  bool has_value() const noexcept { return !e_; }
  void value() const {
    if (e_) std::rethrow_exception(e_);
  }
  std::exception_ptr exception() const noexcept { return e_; }

 private:
  std::exception_ptr e_;
};

/// Tag for `gather(asyncio::return_exceptions, ...)`.
struct return_exceptions_t {
  explicit return_exceptions_t() = default;
};
inline constexpr return_exceptions_t return_exceptions{};

/// Runs the awaitables concurrently and gives their results as a tuple, in argument order.
/// Python: `await asyncio.gather(a, b, c)`.
///
/// Each argument is an `awaitable<T>` (wrapped in a task at once, as Python does), a
/// `Task<T>`, a `Future<T>`, an asyncio operation, or a coroutine function
/// (`[=]() -> awaitable<T> {...}`, run as a task that keeps it and its captures alive); a
/// `void` result is a `std::monostate`. The first exception propagates to the awaiter while
/// the other children keep running. A child cancelled on its own makes the gather raise
/// `CancelledError`.
/// Cancellation: cancelling the gather (or the task awaiting it) cancels every child; the
/// gather then raises `CancelledError` once they are done.
/// Throws: `RuntimeError` without a running loop.
template <Awaitable... X>
auto gather(X&&... xs) {
  return detail::gather_pack<false>(std::forward<X>(xs)...);
}

/// Python: `gather(..., return_exceptions=True)`: each slot is an `Outcome<T>` holding the
/// result or the exception (a `CancelledError` for a cancelled child).
template <Awaitable... X>
auto gather(return_exceptions_t, X&&... xs) {
  return detail::gather_pack<true>(std::forward<X>(xs)...);
}

/// `gather(*aws)` over a vector of awaitables, tasks, futures or coroutine functions (e.g.
/// `std::function<awaitable<T>()>`): a `std::vector` of results, in order.
template <Awaitable X>
auto gather(std::vector<X> xs) {
  return detail::gather_range<false>(std::move(xs));
}

/// `gather(*aws, return_exceptions=True)` over a vector: a vector of `Outcome<T>`.
template <Awaitable X>
auto gather(return_exceptions_t, std::vector<X> xs) {
  return detail::gather_range<true>(std::move(xs));
}

}  // namespace asyncio
