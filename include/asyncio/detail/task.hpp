#pragma once
// The state of a `Task<T>`, its bottom frame, and coroutine functions. Not API.

#include <asyncio/awaitable.hpp>
#include <asyncio/detail/awaiter.hpp>
#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/future.hpp>
#include <asyncio/detail/task_core.hpp>
#include <asyncio/operation.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <concepts>
#include <functional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncio {
template <typename T>
class Task;
}  // namespace asyncio

namespace asyncio::detail {

template <typename T>
class TaskState;

template <typename T>
entry_point task_entry(TaskState<T>* state, awaitable<T> body);

/// The state of a `Task<T>`: TaskCore plus the result and, until the first step, the
/// coroutine.
template <typename T>
class TaskState final : public TaskCore {
 public:
  TaskState(EventLoop& loop, std::string&& name, awaitable<T> body)
      : TaskCore(loop, std::move(name)), entry_(task_entry<T>(this, std::move(body))) {}

  decltype(auto) result() {
    check_result();
    return result_.get();
  }
  template <typename U>
  void finish_with(U&& value) {
    result_.set(std::forward<U>(value));
    finish_value();
  }

 private:
  void launch() override {
    launch_thread(std::move(entry_), boost::asio::any_io_executor(LoopExecutor(*loop_, this)),
                  cancel_signal_.slot());
  }
  void drop_coroutine() noexcept override { entry_point dropped(std::move(entry_)); }
  void describe_result(std::ostream& os) const override { result_.describe(os); }

  ResultSlot<T> result_;
  entry_point entry_;
};

/// Marks the task abandoned if its coroutine is destroyed before it finishes.
struct AbandonGuard {
  TaskCore* task;
  ~AbandonGuard() {
    if (!task->done()) task->abandon();
  }
};

/// The bottom frame of every task: runs the body and stores how it ended.
template <typename T>
entry_point task_entry(TaskState<T>* state, awaitable<T> body) {
  AbandonGuard guard{state};
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(body);
      state->finish_value();
    } else {
      state->finish_with(co_await std::move(body));
    }
  } catch (const CancelledError& e) {
    state->finish_cancelled(e);
  } catch (...) {
    state->finish_exception(std::current_exception());
  }
}

/// A coroutine that awaits an asyncio operation (what Python's `sleep()` itself is).
template <typename W>
awaitable<typename W::result_type> as_coroutine(Operation<W> op) {
  co_return co_await std::move(op);  // moved: a put of a move-only item must not copy it
}

/// The `T` of what a coroutine function returns: `awaitable<T>` or an asyncio operation.
template <typename R>
struct coroutine_value {};
template <typename T>
struct coroutine_value<awaitable<T>> {
  using type = T;
};
template <typename W>
struct coroutine_value<Operation<W>> {
  using type = typename W::result_type;
};

/// Python's coroutine function (`async def`): a callable taking no arguments and returning
/// an `awaitable<T>` or an asyncio operation (what `sleep(1s)` returns).
template <typename F>
concept coroutine_function = std::invocable<F&> && requires {
  typename coroutine_value<std::invoke_result_t<F&>>::type;
};

/// The `T` of a coroutine function `F`. A callable that returns anything else stops the
/// build here with a message of its own, rather than with a list of candidate overloads.
template <typename F>
struct coroutine_function_result {
  static_assert(!std::invocable<F&>,
                "asyncio: a callable given in place of a coroutine must take no arguments and "
                "return asyncio::awaitable<T> or an asyncio operation (such as sleep(1s))");
  using type = void;  // F is no callable: the overload is discarded by its constraint
};
template <coroutine_function F>
struct coroutine_function_result<F> {
  using type = typename coroutine_value<std::invoke_result_t<F&>>::type;
};
template <typename F>
using coroutine_function_t = typename coroutine_function_result<F>::type;

/// The coroutine that calls `f` and awaits what it returns. `f` is a parameter, so it lives
/// in the coroutine frame: a lambda's captures (which live in the lambda object, not in
/// the frame of the coroutine it returns) stay alive for as long as that coroutine runs.
template <typename F>
awaitable<coroutine_function_t<F>> call_and_await(F f) {
  co_return co_await std::invoke(f);
}

/// Runs the loop until `core` is done. Python: the body of `run_until_complete`.
void run_until_done(EventLoop& loop, FutureCore& core);

template <typename T>
struct waiter_of<Task<T>> {
  using type = FutureWaiter<TaskState<T>>;
};

}  // namespace asyncio::detail
