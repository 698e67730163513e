#pragma once
// The future behind `gather`. Not API.

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
#include <vector>

namespace asyncio {
template <typename T>
class Outcome;
}  // namespace asyncio

namespace asyncio::detail {

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
      Ref<FutureCore> child(self->holds_ref ? self->owner : nullptr, false);  // adopts
      if (GatherState* g = self->gather) {
        g->nodes_[self->index] = nullptr;
        if (a == ReadyNode::Action::run) {
          Ref<FutureCore> keep(g);
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
        return Outcome<V>();  // V is void; dependent: Outcome is defined after this header
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
  Future<R> out = HandleAccess::adopt<Future<R>>(Ref<FutureState<R>>(state, false));
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
  Future<R> out = HandleAccess::adopt<Future<R>>(Ref<FutureState<R>>(state, false));
  state->start();
  return out;
}

}  // namespace asyncio::detail
