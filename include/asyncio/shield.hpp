#pragma once
/// `shield`: protect an awaitable from cancellation. Python: `asyncio.shield`.

#include <asyncio/ensure_future.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <type_traits>
#include <utility>

namespace asyncio {

/// A future that follows `x` but whose cancellation leaves `x` running.
/// Python: `await asyncio.shield(aw)`.
///
/// Cancelling the task awaiting the shield raises `CancelledError` in that task while the
/// inner task goes on; cancelling the inner task itself cancels the shield too.
/// `x` is an `awaitable<T>` (wrapped in a task), a `Task<T>`, a `Future<T>`, an asyncio
/// operation, or a coroutine function (`[=]() -> awaitable<T> {...}`, run as a task that
/// keeps it and its captures alive).
template <Awaitable X>
Future<await_result_t<X>> shield(X&& x) {
  using T = await_result_t<X>;
  auto inner = detail::ensure_future(std::forward<X>(x));
  Future<T> outer(inner.get_loop());
  auto copy_outcome = [](auto& from, Future<T>& to) {
    detail::FutureCore* c = detail::core_of(from);
    if (c->cancelled()) {
      to.cancel();
    } else if (std::exception_ptr e = c->take_exception()) {
      to.set_exception(e);
    } else if constexpr (std::is_void_v<T>) {
      to.set_result();
    } else {
      to.set_result(from.result());
    }
  };
  if (inner.done()) {
    copy_outcome(inner, outer);
    return outer;
  }
  // Python: _inner_done_callback and _outer_done_callback.
  std::uint64_t inner_cb = inner.add_done_callback([outer, copy_outcome](auto done) mutable {
    if (outer.cancelled()) {
      if (!done.cancelled()) detail::core_of(done)->take_exception();  // mark retrieved
      return;
    }
    copy_outcome(done, outer);
  });
  outer.add_done_callback([inner, inner_cb](Future<T>) mutable {
    if (!inner.done()) inner.remove_done_callback(inner_cb);
  });
  return outer;
}

}  // namespace asyncio
