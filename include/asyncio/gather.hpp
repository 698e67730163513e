#pragma once
/// `gather`: run awaitables concurrently and collect their results. Python: `asyncio.gather`.

#include <asyncio/detail/ensure_future.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <cstddef>
#include <exception>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace asyncio {

/// A result or the exception that took its place. Python: an item of
/// `gather(..., return_exceptions=True)`'s list.
template <typename T>
class Outcome {
 public:
  Outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Outcome(std::exception_ptr e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  /// The value. Throws: the exception, when there is one.
  T& value() & {
    if (!has_value()) std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!has_value()) std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!has_value()) std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(std::move(v_));
  }
  /// The exception (a `CancelledError` for a cancelled child); null when there is a value.
  std::exception_ptr exception() const noexcept { return has_value() ? nullptr : std::get<1>(v_); }

 private:
  std::variant<T, std::exception_ptr> v_;
};

template <>
class Outcome<void> {
 public:
  Outcome() = default;
  Outcome(std::exception_ptr e) : e_(std::move(e)) {}
  bool has_value() const noexcept { return !e_; }
  void value() const {
    if (e_) std::rethrow_exception(e_);
  }
  std::exception_ptr exception() const noexcept { return e_; }

 private:
  std::exception_ptr e_;
};

/// Tag for `gather(asyncio::return_exceptions, ...)`.
struct return_exceptions_t {
  explicit return_exceptions_t() = default;
};
inline constexpr return_exceptions_t return_exceptions{};

namespace detail {

/// Python: `_GatheringFuture` and `gather`'s `_done_callback`, for any set of children.
/// `Children` is a std::tuple or std::vector of Task/Future handles; R is what it yields.
template <typename R, typename Children, bool ReturnExceptions>
class GatherState final : public FutureState<R> {
 public:
  GatherState(EventLoop& loop, Children children)
      : FutureState<R>(loop), children_(std::move(children)) {}

  ~GatherState() override {
    // Children still pending keep their callbacks, orphaned: as in Python, a late child's
    // exception is still marked retrieved when it comes.
    for (ChildNode* n : nodes_) {
      if (n) n->gather = nullptr;
    }
  }

  /// Registers the done-callbacks; children already done are counted at once.
  void start() {
    std::vector<FutureCore*> unique;
    for_each_child([&](FutureCore* c) { unique.push_back(c); });
    if (unique.size() > 1) {
      // Python: `arg_to_fut`: a future passed twice is waited for once.
      std::unordered_set<FutureCore*> seen;
      std::size_t out = 0;
      for (FutureCore* c : unique) {
        if (seen.insert(c).second) unique[out++] = c;
      }
      unique.resize(out);
    }
    nfuts_ = unique.size();
    nodes_.reserve(nfuts_);
    std::vector<FutureCore*> done;
    for (FutureCore* c : unique) {
      if (c->done()) {
        done.push_back(c);
        continue;
      }
      auto* node = new ChildNode(this, c, nodes_.size());
      nodes_.push_back(node);
      c->add_callback_node(node);
    }
    for (FutureCore* c : done) on_child_done(c);
    if (nfuts_ == 0) this->set_result(collect());  // Python: gather() of nothing is done
  }

  /// Python: `_GatheringFuture.cancel`: cancels every child; the gather then reports
  /// cancellation once they are done, even with return_exceptions.
  bool cancel(std::string msg = {}) override {
    if (this->done()) return false;
    bool any = false;
    for_each_child([&](FutureCore* c) { any = c->cancel(msg) || any; });
    if (any) cancel_requested_ = true;
    return any;
  }

 private:
  // A child's done-callback. Owned by the child's callback list, then by the ready
  // queue; it does not keep the gather alive, so children that never finish (a loop torn
  // down) hold no reference cycle.
  struct ChildNode final : CallbackWaiter, Pooled {
    ChildNode(GatherState* g, FutureCore* child, std::size_t i)
        : CallbackWaiter(child), gather(g), index(i) {
      this->fn = &run;
    }
    static void run(ReadyNode* n, ReadyNode::Action a) {
      auto* self = static_cast<ChildNode*>(n);
      Ref<FutureCore> child(self->holds_ref ? self->owner : nullptr);  // adopts
      if (GatherState* g = self->gather) {
        g->nodes_[self->index] = nullptr;
        if (a == ReadyNode::Action::run) {
          Ref<FutureCore> keep = Ref<FutureCore>::share(g);
          g->on_child_done(self->owner);
        }
      } else if (a == ReadyNode::Action::run && !self->owner->cancelled()) {
        self->owner->take_exception();  // the gather is gone: mark it retrieved
      }
      delete self;
    }
    GatherState* gather;
    std::size_t index;
  };

  template <typename F>
  void for_each_child(F&& f) {
    if constexpr (requires {
                    children_.size();
                    children_.begin();
                  }) {
      for (auto& h : children_) f(core_of(h));
    } else {
      std::apply([&](auto&... h) { (f(core_of(h)), ...); }, children_);
    }
  }

  // Python: gather's _done_callback.
  void on_child_done(FutureCore* child) {
    ++nfinished_;
    if (this->done()) {
      if (!child->cancelled()) child->take_exception();  // mark it retrieved
      return;
    }
    if constexpr (!ReturnExceptions) {
      if (child->cancelled()) {
        this->set_exception_unchecked(std::make_exception_ptr(child->make_cancelled_error()));
        return;
      }
      if (std::exception_ptr e = child->take_exception()) {
        this->set_exception_unchecked(std::move(e));
        return;
      }
    }
    if (nfinished_ < nfuts_) return;
    if (cancel_requested_) {
      this->set_exception_unchecked(std::make_exception_ptr(child->make_cancelled_error()));
      return;
    }
    this->set_result(collect());
  }

  template <typename H>
  static auto slot(const H& h) {
    using V = typename H::value_type;
    if constexpr (ReturnExceptions) {
      FutureCore* c = core_of(h);
      if (c->cancelled()) return Outcome<V>(std::make_exception_ptr(c->make_cancelled_error()));
      if (std::exception_ptr e = c->take_exception()) return Outcome<V>(std::move(e));
      if constexpr (std::is_void_v<V>) {
        return Outcome<void>();
      } else {
        return Outcome<V>(h.result());
      }
    } else {
      return result_of(h);
    }
  }

  R collect() {
    if constexpr (requires {
                    children_.size();
                    children_.begin();
                  }) {
      R out;
      out.reserve(children_.size());
      for (auto& h : children_) out.push_back(slot(h));
      return out;
    } else {
      return std::apply([](auto&... h) { return R(slot(h)...); }, children_);
    }
  }

  Children children_;
  std::vector<ChildNode*> nodes_;  // null once run
  std::size_t nfuts_ = 0;
  std::size_t nfinished_ = 0;
  bool cancel_requested_ = false;
};

template <bool ReturnExceptions, typename V>
using gather_slot = std::conditional_t<ReturnExceptions, Outcome<V>, value_or_monostate<V>>;

/// Python: gather's loop is the first child's; every child must share it.
template <typename F>
EventLoop& common_loop(F&& for_each_core) {
  EventLoop* loop = nullptr;
  for_each_core([&](FutureCore* c) {
    if (!loop) {
      loop = c->loop_unchecked();
    } else if (c->loop_unchecked() != loop) {
      throw ValueError(
          "The future belongs to a different loop than the one specified as the loop argument");
    }
  });
  return loop ? *loop : require_running_loop();
}

template <bool ReturnExceptions, typename... X>
auto gather_pack(X&&... xs) {
  using R = std::tuple<gather_slot<ReturnExceptions, value_t<X>>...>;
  using Children = std::tuple<future_t<X>...>;
  Children children{ensure_future(std::forward<X>(xs))...};  // braces: left to right
  EventLoop& loop = common_loop(
      [&](auto&& f) { std::apply([&](auto&... h) { (f(core_of(h)), ...); }, children); });
  auto* state = new GatherState<R, Children, ReturnExceptions>(loop, std::move(children));
  Future<R> out = Future<R>::detail_adopt(Ref<FutureState<R>>(state));
  state->start();
  return out;
}

template <bool ReturnExceptions, typename X>
auto gather_range(std::vector<X> xs) {
  using H = future_t<X>;
  using R = std::vector<gather_slot<ReturnExceptions, value_t<X>>>;
  std::vector<H> children;
  children.reserve(xs.size());
  for (auto& x : xs) children.push_back(ensure_future(std::move(x)));
  EventLoop& loop = common_loop([&](auto&& f) {
    for (auto& h : children) f(core_of(h));
  });
  auto* state = new GatherState<R, std::vector<H>, ReturnExceptions>(loop, std::move(children));
  Future<R> out = Future<R>::detail_adopt(Ref<FutureState<R>>(state));
  state->start();
  return out;
}

}  // namespace detail

/// Runs the awaitables concurrently and gives their results as a tuple, in argument order.
/// Python: `await asyncio.gather(a, b, c)`.
///
/// Each argument is an `awaitable<T>` (wrapped in a task at once, as Python does), a
/// `Task<T>`, a `Future<T>`, an asyncio operation, or a coroutine function
/// (`[=]() -> awaitable<T> {...}`, run as a task that keeps it and its captures alive); a
/// `void` result is a `std::monostate`. The first exception propagates to the awaiter while
/// the other children keep running. A child cancelled on its own makes the gather raise
/// `CancelledError`.
/// Cancellation: cancelling the gather (or the task awaiting it) cancels every child; the
/// gather then raises `CancelledError` once they are done.
/// Throws: `RuntimeError` without a running loop.
template <typename... X>
requires(detail::future_like<X>&&...) auto gather(X&&... xs) {
  return detail::gather_pack<false>(std::forward<X>(xs)...);
}

/// Python: `gather(..., return_exceptions=True)`: each slot is an `Outcome<T>` holding the
/// result or the exception (a `CancelledError` for a cancelled child).
template <typename... X>
requires(detail::future_like<X>&&...) auto gather(return_exceptions_t, X&&... xs) {
  return detail::gather_pack<true>(std::forward<X>(xs)...);
}

/// `gather(*aws)` over a vector of awaitables, tasks, futures or coroutine functions (e.g.
/// `std::function<awaitable<T>()>`): a `std::vector` of results, in order.
template <typename X>
requires detail::future_like<X>
auto gather(std::vector<X> xs) {
  return detail::gather_range<false>(std::move(xs));
}

/// `gather(*aws, return_exceptions=True)` over a vector: a vector of `Outcome<T>`.
template <typename X>
requires detail::future_like<X>
auto gather(return_exceptions_t, std::vector<X> xs) {
  return detail::gather_range<true>(std::move(xs));
}

}  // namespace asyncio
