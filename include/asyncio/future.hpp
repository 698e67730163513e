#pragma once
/// `Future<T>`: a result that will be set later. Python: `asyncio.Future`.

#include <asyncio/detail/awaiter.hpp>
#include <asyncio/detail/future_core.hpp>
#include <asyncio/event_loop.hpp>

#include <cstdint>
#include <exception>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncio {

namespace detail {

template <typename T>
void describe_value(std::ostream& os, const T& v) {
  if constexpr (requires { os << v; }) {
    if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      os << '\'' << std::string_view(v) << '\'';
    } else {
      os << v;
    }
  } else {
    os << "<" << sizeof(T) << "-byte value>";
  }
}

/// The state of a `Future<T>`.
template <typename T>
class FutureState : public FutureCore {
 public:
  using FutureCore::FutureCore;

  template <typename... U>
  void set_result(U&&... u) {
    ensure_pending();
    if constexpr (!std::is_void_v<T>) result_.set(std::forward<U>(u)...);
    mark_done(State::finished);
  }
  decltype(auto) result() {
    check_result();
    return result_.get();
  }

 private:
  void describe_result(std::ostream& os) const override {
    if constexpr (std::is_void_v<T>) {
      os << "result=None";
    } else {
      os << "result=";
      describe_value(os, *result_.value);
    }
  }
  ResultSlot<T> result_;
};

/// Waits for a future-like state S (a FutureState<T> or TaskState<T>).
/// Python: `Future.__await__` plus `Task.__wakeup`.
template <typename S>
struct FutureWaiter : Waiter {
  using result_type = decltype(std::declval<S&>().result());

  // The waiter holds a reference: the awaited handle may be an lvalue that its owner drops
  // while the coroutine waits (Python's awaiting task keeps the future alive too).
  template <typename Handle>
  explicit FutureWaiter(const Handle& h) : state(Ref<S>::share(h.detail_state())) {
    try_cancel = [](Waiter* w, const std::string& msg) {
      return static_cast<FutureWaiter*>(w)->state->cancel(msg);
    };
    describe_wait = [](const Waiter* w, std::ostream& os) {
      static_cast<const FutureWaiter*>(w)->state->describe(os);
    };
  }
  FutureWaiter(const FutureWaiter&) = delete;
  ~FutureWaiter() { state->remove_waiter(this); }

  bool ready() {
    if (state->done()) return true;
    EventLoop* loop = running_loop;
    TaskCore* current = LoopInternals::current_task(*loop);
    if (state->loop_unchecked() != loop) {
      throw RuntimeError("Task " + (current ? current->repr() + " " : std::string()) +
                         "got Future " + state->repr() + " attached to a different loop");
    }
    if (static_cast<FutureCore*>(current) == state.get()) {
      throw RuntimeError("Task cannot await on itself: " + state->repr());
    }
    return false;
  }
  void suspend(EventLoop&, TaskCore* task) {
    state->add_waiter(this);
    park(this, task);
  }
  result_type resume() {
    if (this->cancelled && !state->cancelled()) {
      // The task was cancelled after this future completed: the result stays in the
      // future, the task gets CancelledError (Python's __step with _must_cancel).
      throw CancelledError(task ? task->take_cancel_message() : std::string());
    }
    return state->result();
  }

  Ref<S> state;
};

}  // namespace detail

/// A result that will be available later. Python: `asyncio.Future`.
///
/// A cheap copyable handle: copies share one state, which lives as long as any handle (and
/// stays readable after its loop has stopped). `co_await future` gives the result or
/// rethrows its exception; a cancelled future raises `CancelledError`.
///
/// Threads: the loop's thread only (use `call_soon_threadsafe` to complete one from another
/// thread).
template <typename T = void>
class Future {
 public:
  using value_type = T;

  /// A pending future on the running loop. Throws: `RuntimeError` when no loop runs.
  Future() : Future(detail::require_running_loop()) {}
  /// A pending future on `loop`. Python: `loop.create_future()`.
  explicit Future(EventLoop& loop) : state_(new detail::FutureState<T>(loop)) {}

  /// Python: `Future.set_result(value)`. Callbacks and awaiters are scheduled with
  /// `call_soon`. Throws: `InvalidStateError` when already done.
  template <typename... U>
  requires(std::is_void_v<T> ? sizeof...(U) == 0
                             : sizeof...(U) == 1) void set_result(U&&... value) {
    state_->set_result(std::forward<U>(value)...);
  }
  /// Python: `Future.set_exception(exc)`. Throws: `InvalidStateError` when already done.
  void set_exception(std::exception_ptr e) { state_->set_exception(std::move(e)); }
  template <typename E>
  requires(!std::is_same_v<std::decay_t<E>, std::exception_ptr>) void set_exception(E&& e) {
    state_->set_exception(std::make_exception_ptr(std::forward<E>(e)));
  }
  /// Python: `Future.cancel(msg=None)`: false when already done.
  bool cancel(std::string msg = {}) { return state_->cancel(std::move(msg)); }
  bool cancelled() const noexcept { return state_->cancelled(); }
  bool done() const noexcept { return state_->done(); }
  /// Python: `Future.result()`. Throws: the set exception, `CancelledError`, or
  /// `InvalidStateError("Result is not set.")`.
  T result() const { return state_->result(); }
  /// Python: `Future.exception()`: null when the future has a result.
  /// Throws: `CancelledError`, or `InvalidStateError("Exception is not set.")`.
  std::exception_ptr exception() const { return state_->exception(); }

  /// Python: `Future.add_done_callback(cb)`: `cb(future)` is scheduled with `call_soon`
  /// once the future is done (at once if it is). Returns an id for `remove_done_callback`.
  template <typename F>
  requires std::invocable<F&, Future<T>> std::uint64_t add_done_callback(F cb) {
    detail::FutureCore* core = state_.get();
    auto call = [cb = std::move(cb), core]() mutable {
      cb(Future<T>(
          detail::Ref<detail::FutureState<T>>::share(static_cast<detail::FutureState<T>*>(core))));
    };
    return core->add_callback_node(new detail::DoneCallback<decltype(call)>(std::move(call), core));
  }
  /// Python: `Future.remove_done_callback(cb)`: the number of callbacks removed.
  std::size_t remove_done_callback(std::uint64_t id) noexcept {
    return state_->remove_done_callback(id);
  }
  /// Python: `Future.get_loop()`. Throws: `RuntimeError` once the loop is destroyed.
  EventLoop& get_loop() const {
    EventLoop* l = state_->loop();
    if (!l) throw RuntimeError("the Future's event loop no longer exists");
    return *l;
  }

  /// Makes `co_await future` and Asio completion tokens work (an Asio async operation).
  template <boost::asio::completion_token_for<
      detail::signature_of<detail::FutureWaiter<detail::FutureState<T>>>>
                Token>
  auto operator()(Token&& token) const {
    return detail::initiate<detail::FutureWaiter<detail::FutureState<T>>>(
        *this, std::forward<Token>(token));
  }

  detail::FutureState<T>* detail_state() const noexcept { return state_.get(); }
  detail::FutureCore* detail_core() const noexcept { return state_.get(); }
  /// Wraps a state made by the library (gather's, shield's).
  static Future detail_adopt(detail::Ref<detail::FutureState<T>> s) noexcept {
    return Future(std::move(s));
  }

  /// Python's repr: `<Future pending>`, `<Future finished result=42>`.
  friend std::ostream& operator<<(std::ostream& os, const Future& f) {
    f.state_->describe(os);
    return os;
  }
  friend bool operator==(const Future& a, const Future& b) noexcept {
    return a.state_.get() == b.state_.get();
  }

 private:
  explicit Future(detail::Ref<detail::FutureState<T>> s) noexcept : state_(std::move(s)) {}

  detail::Ref<detail::FutureState<T>> state_;
};

template <typename T>
Future<T> EventLoop::create_future() {
  return Future<T>(*this);
}

namespace detail {
template <typename T>
struct waiter_of<Future<T>> {
  using type = FutureWaiter<FutureState<T>>;
};
}  // namespace detail

}  // namespace asyncio
