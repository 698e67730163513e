#pragma once
/// `wait` and `as_completed`. Python: `asyncio.wait`, `asyncio.as_completed`.

#include <asyncio/awaitable.hpp>
#include <asyncio/detail/ensure_future.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/future.hpp>
#include <asyncio/queue.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_set>
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
  std::optional<detail::Delay> timeout;  ///< none: no limit
  ReturnWhen return_when = ALL_COMPLETED;
};

/// What `wait` gives: Python's `(done, pending)`, each in argument order.
template <typename H>
struct WaitResult {
  std::vector<H> done;
  std::vector<H> pending;
};

namespace detail {
/// Python: `asyncio.tasks._wait`, on the futures' states.
awaitable<void> wait_core(std::vector<FutureCore*> fs, WaitOptions options);

template <typename H>
std::vector<H> unique_handles(std::vector<H> fs) {
  std::unordered_set<FutureCore*> seen;
  std::vector<H> out;
  out.reserve(fs.size());
  for (auto& f : fs) {
    if (seen.insert(core_of(f)).second) out.push_back(std::move(f));
  }
  return out;
}
}  // namespace detail

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
  co_await detail::wait_core(std::move(cores), options);
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
 private:
  struct State;
  using DoneQueue = Queue<std::optional<H>>;

  // A get() on the queue of finished futures, giving the result instead of the future.
  struct NextWaiter : detail::QueueGetWaiter<DoneQueue> {
    using Base = detail::QueueGetWaiter<DoneQueue>;
    struct params {
      std::shared_ptr<State> state;
    };
    using result_type = typename H::value_type;
    explicit NextWaiter(const params& p) : Base({&p.state->done}), keep(p.state) {}
    result_type resume() {
      std::optional<H> f = Base::resume();
      if (!f) throw TimeoutError();
      return f->result();
    }
    std::shared_ptr<State> keep;
  };

  struct State {
    DoneQueue done;
    std::vector<std::pair<H, std::uint64_t>> callbacks;
    TimerHandle timer;
    std::size_t todo = 0;

    void on_completion(H f) {
      if (todo == 0) return;  // the timeout came first
      --todo;
      done.put_nowait(std::move(f));
      if (todo == 0) timer.cancel();
    }
    void on_timeout() {
      for (auto& [f, id] : callbacks) {
        if (!f.done() && todo > 0) {
          f.remove_done_callback(id);
          --todo;
          done.put_nowait(std::nullopt);  // each pending await raises TimeoutError
        }
      }
      todo = 0;
    }
    ~State() {
      timer.cancel();
      for (auto& [f, id] : callbacks) f.remove_done_callback(id);
    }
  };

 public:
  using value_type = typename H::value_type;

  AsCompleted(std::vector<H> fs, std::optional<detail::Delay> timeout)
      : state_(std::make_shared<State>()) {
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
      state_->timer = get_running_loop().call_later(timeout->seconds, [weak] {
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
  [[nodiscard]] auto next() {
    if (left_ == 0) throw RuntimeError("as_completed: no more results");
    --left_;
    return detail::Awaitable<NextWaiter>({state_});
  }

  class iterator {
   public:
    using difference_type = std::ptrdiff_t;
    using value_type = detail::Awaitable<NextWaiter>;
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
  std::shared_ptr<State> state_;
  std::size_t left_ = 0;
};

/// Python: `asyncio.as_completed(aws, timeout=None)`: awaitables become tasks at once.
template <typename X>
requires detail::future_like<X> AsCompleted<detail::future_t<X>> as_completed(
    std::vector<X> xs, std::optional<detail::Delay> timeout = {}) {
  std::vector<detail::future_t<X>> fs;
  fs.reserve(xs.size());
  for (auto& x : xs) fs.push_back(detail::ensure_future(std::move(x)));
  return AsCompleted<detail::future_t<X>>(std::move(fs), timeout);
}

}  // namespace asyncio
