#pragma once
/// `Future<T>`: a result that will be set later. Python: `asyncio.Future`.

#include <asyncio/detail/future.hpp>
#include <asyncio/event_loop.hpp>

#include <cstdint>
#include <exception>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncio {

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
  explicit Future(EventLoop& loop) : state_(new detail::FutureState<T>(loop), false) {}

  /// Python: `Future.set_result(value)`. Callbacks and awaiters are scheduled with
  /// `call_soon`. Throws: `InvalidStateError` when already done.
  template <typename U>
  void set_result(U&& value) requires(!std::is_void_v<T>) {
    state_->set_result(std::forward<U>(value));
  }
  /// `set_result()` of a `Future<void>`.
  void set_result() requires std::is_void_v<T> { state_->set_result(); }
  /// Python: `Future.set_exception(exc)`. Throws: `InvalidStateError` when already done.
  void set_exception(std::exception_ptr e) { state_->set_exception(std::move(e)); }
  /// `set_exception(ValueError("boom"))`: any exception object.
  template <typename E>
  void set_exception(E&& e) {
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
  template <std::invocable<Future<T>> F>
  std::uint64_t add_done_callback(F cb) {
    detail::FutureCore* core = state_.get();
    auto call = [cb = std::move(cb), core]() mutable {
      cb(Future<T>(
          detail::Ref<detail::FutureState<T>>(static_cast<detail::FutureState<T>*>(core))));
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

  /// Python's repr: `<Future pending>`, `<Future finished result=42>`.
  friend std::ostream& operator<<(std::ostream& os, const Future& f) {
    f.state_->describe(os);
    return os;
  }
  friend bool operator==(const Future& a, const Future& b) noexcept {
    return a.state_.get() == b.state_.get();
  }

 private:
  friend struct detail::HandleAccess;
  explicit Future(detail::Ref<detail::FutureState<T>> s) noexcept : state_(std::move(s)) {}
  detail::FutureState<T>* state() const noexcept { return state_.get(); }
  detail::FutureCore* core() const noexcept { return state_.get(); }

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
