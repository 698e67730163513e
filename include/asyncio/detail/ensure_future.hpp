#pragma once
// What gather, wait, shield and friends accept: awaitables and coroutine functions become
// tasks (Python's `ensure_future`), tasks and futures are used as they are. Not API.

#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <concepts>
#include <type_traits>
#include <utility>
#include <variant>

namespace asyncio::detail {

template <typename X>
struct future_of;  // the handle `ensure_future(X)` gives
template <typename T>
struct future_of<awaitable<T>> {
  using type = Task<T>;
  using value_type = T;
};
template <typename T>
struct future_of<Task<T>> {
  using type = Task<T>;
  using value_type = T;
};
template <typename T>
struct future_of<Future<T>> {
  using type = Future<T>;
  using value_type = T;
};
template <typename W>
struct future_of<Operation<W>> {
  using type = Task<typename W::result_type>;
  using value_type = typename W::result_type;
};
/// A coroutine function (`[=]() -> awaitable<T> {...}`): a task that keeps the callable,
/// and so its captures, alive while it runs. Any other callable fails the build with
/// `coroutine_function_result`'s message.
template <typename F>
requires std::invocable<F&>
struct future_of<F> {
  using type = Task<coroutine_function_t<F>>;
  using value_type = coroutine_function_t<F>;
};

template <typename X>
concept future_like = requires {
  typename future_of<std::remove_cvref_t<X>>::type;
};

template <typename X>
using future_t = typename future_of<std::remove_cvref_t<X>>::type;
template <typename X>
using value_t = typename future_of<std::remove_cvref_t<X>>::value_type;

/// Python: `ensure_future(x)`.
template <typename X>
future_t<X> ensure_future(X&& x) {
  using D = std::remove_cvref_t<X>;
  if constexpr (std::is_same_v<D, future_t<X>>) {
    return std::forward<X>(x);
  } else {
    return create_task(std::forward<X>(x));
  }
}

/// What `co_await` takes for `x`: the coroutine that calls a coroutine function (keeping
/// it alive), anything else as it is.
template <typename X>
decltype(auto) awaitable_of(X&& x) {
  if constexpr (std::invocable<std::remove_cvref_t<X>&>) {
    return call_and_await(std::forward<X>(x));
  } else {
    return std::forward<X>(x);
  }
}

/// The state behind a Task or Future handle.
template <typename T>
FutureCore* core_of(const Task<T>& t) noexcept {
  return HandleAccess::core(t);
}
template <typename T>
FutureCore* core_of(const Future<T>& f) noexcept {
  return HandleAccess::core(f);
}
inline FutureCore* core_of(const AnyTask& t) noexcept {
  return HandleAccess::core(t);
}

/// `void` as a value: `std::monostate`.
template <typename T>
using value_or_monostate = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <typename H>
value_or_monostate<typename H::value_type> result_of(const H& h) {
  if constexpr (std::is_void_v<typename H::value_type>) {
    h.result();
    return {};
  } else {
    return h.result();
  }
}

}  // namespace asyncio::detail
