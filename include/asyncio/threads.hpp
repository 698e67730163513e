#pragma once
/// Threads and loops: `to_thread`, `run_in_executor`, `wrap_future`,
/// `run_coroutine_threadsafe`. Python: `asyncio.threads`, `loop.run_in_executor`,
/// `asyncio.wrap_future`, `asyncio.run_coroutine_threadsafe`.

#include <asyncio/awaitable.hpp>
#include <asyncio/concurrent_future.hpp>
#include <asyncio/detail/threads.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>
#include <asyncio/thread_pool_executor.hpp>

#include <future>
#include <type_traits>
#include <utility>

namespace asyncio {

/// A `Future` on `loop` (the running loop by default) that follows `source`: its result,
/// exception or cancellation comes over when `source` finishes on whatever thread; cancelling
/// the `Future` cancels `source`. Python: `asyncio.wrap_future(fut)`.
///
/// Under virtual time the loop's clock waits for `source` (it is work of another thread).
/// Threads: the loop's thread. The loop must outlive `source`'s completion.
/// Throws: `RuntimeError` without a running loop.
template <typename T>
Future<T> wrap_future(ConcurrentFuture<T> source, EventLoop& loop = get_running_loop()) {
  Future<T> destination(loop);
  detail::chain_future(std::move(source), destination, loop);
  return destination;
}

/// Runs `fn(args...)` on `executor` (null: the loop's default executor, created on first use)
/// and gives a `Future` of its result. Python: `loop.run_in_executor(executor, fn, *args)`.
///
/// Cancelling the future does not stop the call (a thread cannot be interrupted); its result
/// is then dropped, as in Python. Under virtual time the clock waits for the call.
/// Throws: `RuntimeError("Executor shutdown has been called")` after
/// `shutdown_default_executor()` (for the default executor), `RuntimeError` after the
/// executor's `shutdown()`.
template <typename F, typename... Args>
auto EventLoop::run_in_executor(ThreadPoolExecutor* executor, F fn, Args... args) {
  check_callable_here();
  ThreadPoolExecutor& pool = executor ? *executor : default_executor();
  return wrap_future(pool.submit(std::move(fn), std::move(args)...), *this);
}

/// Runs `fn(args...)` on the running loop's default executor and gives its result (or
/// rethrows its exception) to the awaiting task. Python: `await asyncio.to_thread(fn, *args)`.
///
/// The call starts when the coroutine is awaited (or runs as a task: `gather(to_thread(f),
/// to_thread(g))` runs both at once, on two threads: in C++ they truly run in parallel).
/// Cancelling the awaiting task does not stop the call; its result is dropped.
/// Throws: `RuntimeError` without a running loop.
template <typename F, typename... Args>
awaitable<detail::call_result_t<F, Args...>> to_thread(F fn, Args... args) {
  co_return co_await get_running_loop().run_in_executor(nullptr, std::move(fn), std::move(args)...);
}

/// Awaits a `std::future` (or `std::shared_future`): `co_await wrap_future(std::move(f))`
/// gives its value or rethrows its exception. A std::future has no completion callback, so
/// the wait blocks a thread of the default executor until the value comes.
// Not coroutines themselves: g++ 12 miscompiles a lambda init-capture that moves a coroutine's
// parameter (both the frame and the lambda then own the future's state).
template <typename T>
awaitable<T> wrap_future(std::future<T> f) {
  return to_thread([f = std::move(f)]() mutable { return f.get(); });
}
template <typename T>
awaitable<T> wrap_future(std::shared_future<T> f) {
  return to_thread([f = std::move(f)] { return f.get(); });
}

/// Submits `coro` to `loop` (running on another thread) as a task, from any thread, and gives
/// a `ConcurrentFuture` of its result. Python: `asyncio.run_coroutine_threadsafe(coro, loop)`.
///
/// Cancelling the `ConcurrentFuture` cancels the task. If the loop closes before the task
/// ends, the future raises `RuntimeError("Event loop is closed")` instead of hanging.
/// Threads: any. Throws: `RuntimeError("Event loop is closed")` when it is.
template <typename T>
ConcurrentFuture<T> run_coroutine_threadsafe(awaitable<T> coro, EventLoop& loop) {
  ConcurrentFuture<T> future;
  future.set_producer(&loop);  // a thread blocked in result() waits for `loop`
  loop.call_soon_threadsafe(
      [guard = detail::CompleteOnDrop<T>(future), coro = std::move(coro), &loop]() mutable {
        detail::chain_task(loop.create_task(std::move(coro)), std::move(guard), loop);
      });
  return future;
}

}  // namespace asyncio
