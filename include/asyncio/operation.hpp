#pragma once
/// `Operation`: what `sleep()`, `lock.acquire()`, `queue.get()` and the other asyncio calls
/// that are not coroutines give.

#include <asyncio/detail/operation.hpp>

#include <boost/asio/async_result.hpp>

#include <utility>

namespace asyncio {

/// An asyncio operation: `co_await` it in a task, hand it to `create_task`, `gather` or
/// `wait_for`, or start it with any Asio completion token (`op(boost::asio::deferred)`,
/// `op(callback)`); the handler gets `(std::exception_ptr, R)`, or `(std::exception_ptr)`
/// for `void`. Python: the awaitable that `asyncio.sleep()`, `lock.acquire()`... return.
///
/// It holds only its arguments; the work starts when it is awaited (or started with a
/// token), and each await is a new operation. `W`, the waiter that does the work, is an
/// implementation detail: name the type with `auto`.
template <typename W>
class Operation {
 public:
  using params = typename W::params;
  using result_type = typename W::result_type;

  explicit Operation(params p) : params_(std::move(p)) {}
  const params& get_params() const& noexcept { return params_; }
  params&& get_params() && noexcept { return std::move(params_); }

  template <boost::asio::completion_token_for<detail::signature_of<W>> Token>
  auto operator()(Token&& token) const& {
    return detail::initiate<W>(*this, std::forward<Token>(token));
  }
  template <boost::asio::completion_token_for<detail::signature_of<W>> Token>
  auto operator()(Token&& token) && {
    return detail::initiate<W>(std::move(*this), std::forward<Token>(token));
  }

 private:
  params params_;
};

}  // namespace asyncio
