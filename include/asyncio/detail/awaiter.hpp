#pragma once
// How asyncio awaitables plug into Asio's `awaitable` coroutines. Not API.
//
// Asio's `co_await` accepts "async operations" (callables taking a completion token). Every
// asyncio awaitable is one, so it also works with any token (`deferred`, a callback, ...).
// Inside an Asio coroutine Asio wraps the operation in `detail::awaitable_async_op`; we
// specialize that wrapper for our types so that `co_await` can (1) complete without
// suspending when the result is ready, (2) accept a named (lvalue) handle, and (3) park the
// suspended coroutine in a Waiter that the loop resumes straight from its ready queue:
// no allocation and no system call per hop.

#include <asyncio/detail/asio_glue.hpp>
#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/task_core.hpp>
#include <asyncio/operation.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>

#include <coroutine>
#include <exception>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

/// A waiter woken too early (a queue item taken by someone else in between) may go back to
/// waiting instead of resuming: Python's `while self.empty(): await getter`.
template <typename W>
bool rewait(W* w) {
  if constexpr (requires { w->W::rewait(); }) {
    if (!w->cancelled && w->W::rewait()) {
      park(w, w->task);
      return true;
    }
  }
  return false;
}

/// `w.resume()`, unless the primitive it waited on was destroyed: then the wait can only
/// have ended by cancellation (see `Waiter::detached`), and resume() must not touch it.
// Inlined into every await_resume: out of line it costs a Queue item 10% more.
template <typename W>
[[gnu::always_inline]] inline decltype(auto) resume_waiter(W& w) {
  if (w.detached) [[unlikely]]
    throw_detached_wait(w.task);
  return w.W::resume();
}

template <typename T>
struct is_awaitable_op : std::false_type {};
template <typename W>
struct is_awaitable_op<Operation<W>> : std::true_type {};

/// What a waiter is built from: an operation's parameters, or the handle (Task, Future).
template <typename Op>
decltype(auto) waiter_arg(Op&& op) noexcept {
  if constexpr (is_awaitable_op<std::decay_t<Op>>::value) {
    return std::forward<Op>(op).get_params();
  } else {
    return std::forward<Op>(op);
  }
}

/// The waiter behind `co_await op` in an Asio coroutine: lives in the coroutine frame.
template <typename W, typename Executor>
class AsioAwaiter : public W {
  using frame_type = frame_base<Executor>;

 public:
  template <typename Op>
  AsioAwaiter(Op&& op, frame_type* frame) : W(waiter_arg(std::forward<Op>(op))), frame_(frame) {
    this->fn = &run;
  }
  AsioAwaiter(const AsioAwaiter&) = delete;
  AsioAwaiter& operator=(const AsioAwaiter&) = delete;

  bool await_ready() {
    if (!running_loop) throw RuntimeError("no running event loop");
    return W::ready();
  }

  void await_suspend(std::coroutine_handle<>) {
    // The loop is single-threaded and nothing can resume this coroutine before control
    // returns to it, so the thread is detached here rather than through Asio's
    // after_suspend hook (which exists for multi-threaded executors). The waiter is parked
    // first: if that throws, the coroutine still owns its thread and gets the exception.
    EventLoop& loop = *running_loop;
    W::suspend(loop, LoopInternals::current_task(loop));
    thread_.take_from(frame_);  // pump() sees an empty thread and returns
  }

  decltype(auto) await_resume() { return resume_waiter<W>(*this); }

 private:
  static void run(ReadyNode* n, ReadyNode::Action a) {
    auto* self = static_cast<AsioAwaiter*>(n);
    if (a == ReadyNode::Action::discard) {
      self->thread_.reset();  // Asio unwinds the coroutine
      return;
    }
    unpark(self);
    if (rewait(self)) return;
    // Move the thread onto this stack first: resuming destroys this frame, and `self`.
    // After pump() the local slot is empty unless an exception unwound it.
    ThreadSlot<Executor> local;
    local.take_from(self->thread_);
    frame_type* top = self->frame_;
    StepScope step(*running_loop, self->task);
    local.get()->resume(top);
  }

  frame_type* frame_;
  ThreadSlot<Executor> thread_;
};

/// Holds the operation for a HandlerWaiter (a base, so it is built before the waiter).
template <typename Op>
struct OpHolder {
  Op op;
};

/// The waiter behind an asyncio operation started with a plain completion token: lives on
/// the heap and completes the handler through its associated executor.
template <typename Op, typename W, typename Handler>
class HandlerWaiter final : OpHolder<Op>, public W {
 public:
  HandlerWaiter(Op op, Handler h)
      : OpHolder<Op>{std::move(op)}, W(this->op), handler_(std::move(h)) {
    this->fn = &run;
  }

  void start(EventLoop& loop) {
    bool ready = false;
    try {
      ready = W::ready();
    } catch (...) {
      error_ = std::current_exception();
      ready = true;
    }
    if (ready) {
      LoopInternals::schedule(loop, this);  // a handler never runs inside its initiation
    } else {
      W::suspend(loop, nullptr);
    }
  }

 private:
  using result_type = typename W::result_type;

  static void run(ReadyNode* n, ReadyNode::Action a) {
    if (a == ReadyNode::Action::run && rewait(static_cast<HandlerWaiter*>(n))) return;
    std::unique_ptr<HandlerWaiter> self(static_cast<HandlerWaiter*>(n));
    if (a == ReadyNode::Action::discard) return;
    auto ex = boost::asio::get_associated_executor(self->handler_);
    std::exception_ptr error = self->error_;
    if constexpr (std::is_void_v<result_type>) {
      if (!error) {
        try {
          resume_waiter<W>(*self);
        } catch (...) {
          error = std::current_exception();
        }
      }
      boost::asio::dispatch(ex, [h = std::move(self->handler_), error]() mutable { h(error); });
    } else {
      std::optional<result_type> value;
      if (!error) {
        try {
          value.emplace(resume_waiter<W>(*self));
        } catch (...) {
          error = std::current_exception();
        }
      }
      auto v = value ? std::move(*value) : result_type{};
      boost::asio::dispatch(ex, [h = std::move(self->handler_), error, v = std::move(v)]() mutable {
        h(error, std::move(v));
      });
    }
  }

  Handler handler_;
  std::exception_ptr error_;
};

/// Starts operation `op` (waiter type W) for an arbitrary completion token.
template <typename W, typename Op, typename Token>
auto initiate(Op&& op, Token&& token) {
  using Sig = signature_of<W>;
  using O = std::decay_t<Op>;
  return boost::asio::async_initiate<Token, Sig>(
      [](auto handler, O op) {
        EventLoop& loop = require_running_loop();
        auto* w = new HandlerWaiter<O, W, decltype(handler)>(std::move(op), std::move(handler));
        w->start(loop);
      },
      token, std::forward<Op>(op));
}

template <typename W>
struct waiter_of<Operation<W>> {
  using type = W;
};

}  // namespace asyncio::detail
