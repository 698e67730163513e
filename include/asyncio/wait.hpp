#pragma once
/// `wait` and `as_completed`. Python: `asyncio.wait`, `asyncio.as_completed`.

#include <asyncio/awaitable.hpp>
#include <asyncio/delay.hpp>
#include <asyncio/detail/wait.hpp>
#include <asyncio/ensure_future.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/future.hpp>
#include <asyncio/operation.hpp>
#include <asyncio/task.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asyncio {

/// When `wait` returns. Python: `asyncio.FIRST_COMPLETED` and friends.
enum class ReturnWhen { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::FIRST_COMPLETED;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::FIRST_EXCEPTION;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::ALL_COMPLETED;

/// Options of `wait`: `{.timeout = 2s, .return_when = asyncio::FIRST_COMPLETED}`.
struct WaitOptions {
  std::optional<Delay> timeout;  ///< seconds or a duration (exact); none: no limit
  ReturnWhen return_when = ALL_COMPLETED;
};

/// What `wait` gives: Python's `(done, pending)`, each in argument order.
template <typename H>
struct WaitResult {
  std::vector<H> done;
  std::vector<H> pending;
};

/// Waits for tasks or futures until the condition `return_when` holds or the timeout
/// passes. Python: `done, pending = await asyncio.wait(tasks, timeout=..., return_when=...)`.
///
/// Nothing is cancelled: the pending ones keep running. Each task or future counts once.
/// Throws: `ValueError("Set of Tasks/Futures is empty.")`.
template <typename H>
awaitable<WaitResult<H>> wait(std::vector<H> fs, WaitOptions options = {}) {
  if (fs.empty()) throw ValueError("Set of Tasks/Futures is empty.");
  if (options.return_when != FIRST_COMPLETED && options.return_when != FIRST_EXCEPTION &&
      options.return_when != ALL_COMPLETED) {
    throw ValueError("Invalid return_when value: " +
                     std::to_string(static_cast<int>(options.return_when)));
  }
  fs = detail::unique_handles(std::move(fs));
  std::vector<detail::FutureCore*> cores;
  cores.reserve(fs.size());
  for (auto& f : fs) cores.push_back(detail::core_of(f));
  co_await detail::wait_core(std::move(cores), options.timeout, options.return_when);
  WaitResult<H> out;
  for (auto& f : fs) (f.done() ? out.done : out.pending).push_back(std::move(f));
  co_return out;
}

/// The results of several awaitables in the order they finish. Python: `as_completed`.
///
///   for (auto next : asyncio::as_completed(std::move(tasks))) {
///     T result = co_await next;  // the next one to finish (or its exception)
///   }
///
/// With a timeout, the awaits still pending when it passes raise `TimeoutError`.
template <typename H>
class AsCompleted {
 public:
  using value_type = typename H::value_type;
  /// What `next()` gives: an `Operation` whose await gives the next result.
  using awaitable_type = Operation<detail::AsCompletedWaiter<H>>;

  AsCompleted(std::vector<H> fs, std::optional<Delay> timeout) : state_(std::make_shared<State>()) {
    fs = detail::unique_handles(std::move(fs));
    state_->todo = fs.size();
    left_ = fs.size();
    for (auto& f : fs) {
      std::weak_ptr<State> weak = state_;
      std::uint64_t id = f.add_done_callback([weak](H done) {
        if (auto s = weak.lock()) s->on_completion(std::move(done));
      });
      state_->callbacks.push_back({f, id});
    }
    if (!fs.empty() && timeout) {
      std::weak_ptr<State> weak = state_;
      state_->timer = get_running_loop().call_later(*timeout, [weak] {
        if (auto s = weak.lock()) s->on_timeout();
      });
    }
  }
  AsCompleted(AsCompleted&&) noexcept = default;
  AsCompleted& operator=(AsCompleted&&) noexcept = default;
  // The awaitables handed out keep the state (and the callbacks) alive, as Python's do.
  ~AsCompleted() = default;

  /// Results still to come.
  std::size_t size() const noexcept { return left_; }

  /// The next result to finish (rethrowing its exception). Python: `await next(it)`.
  /// Works on a named value too: `auto next = it.next(); co_await next;`.
  /// Throws: `TimeoutError` after the timeout; `RuntimeError` when nothing is left.
  [[nodiscard]] awaitable_type next() {
    if (left_ == 0) throw RuntimeError("as_completed: no more results");
    --left_;
    return awaitable_type({state_});
  }

  class iterator {
   public:
    using difference_type = std::ptrdiff_t;
    using value_type = awaitable_type;
    iterator() = default;
    explicit iterator(AsCompleted* owner) : owner_(owner) {}
    value_type operator*() const { return owner_->next(); }
    iterator& operator++() { return *this; }
    void operator++(int) {}
    friend bool operator==(const iterator& it, std::default_sentinel_t) {
      return it.owner_->size() == 0;
    }

   private:
    AsCompleted* owner_ = nullptr;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  using State = detail::AsCompletedState<H>;
  std::shared_ptr<State> state_;
  std::size_t left_ = 0;
};

/// Python: `asyncio.as_completed(aws, timeout=None)`: awaitables become tasks at once.
template <Awaitable X>
AsCompleted<future_t<X>> as_completed(std::vector<X> xs, std::optional<Delay> timeout = {}) {
  std::vector<future_t<X>> fs;
  fs.reserve(xs.size());
  for (auto& x : xs) fs.push_back(detail::ensure_future(std::move(x)));
  return AsCompleted<future_t<X>>(std::move(fs), timeout);
}

}  // namespace asyncio
