#pragma once
// The Asio executor of a loop (and of each task on it). Not API beyond `EventLoop::executor_type`.

#include <asyncio/detail/task_core.hpp>

#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution/executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/execution/relationship.hpp>
#include <boost/asio/execution_context.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

/// Runs submitted work as a ready callback of the loop, in FIFO order with everything else.
/// An executor bound to a task (every task's coroutine runs on one) makes that work a step
/// of the task: `current_task()` is set, and `task.cancel()` knows a resumption is queued.
///
/// Threads: `execute` from a foreign thread goes through the io_context and is thread-safe;
/// copies are not (the task reference count belongs to the loop's thread).
class LoopExecutor {
 public:
  LoopExecutor(EventLoop& loop, TaskCore* task = nullptr) noexcept : loop_(&loop), task_(task) {
    if (task_) task_->add_ref();
  }
  LoopExecutor(const LoopExecutor& o) noexcept : loop_(o.loop_), task_(o.task_) {
    if (task_) task_->add_ref();
  }
  LoopExecutor(LoopExecutor&& o) noexcept
      : loop_(o.loop_), task_(std::exchange(o.task_, nullptr)) {}
  LoopExecutor& operator=(LoopExecutor o) noexcept {
    std::swap(loop_, o.loop_);
    std::swap(task_, o.task_);
    return *this;
  }
  ~LoopExecutor() {
    if (task_) task_->release();
  }

  EventLoop& loop() const noexcept { return *loop_; }
  TaskCore* task() const noexcept { return task_; }

  boost::asio::execution_context& query(boost::asio::execution::context_t) const noexcept;
  static constexpr boost::asio::execution::blocking_t query(
      boost::asio::execution::blocking_t) noexcept {
    return boost::asio::execution::blocking.never;
  }
  static constexpr boost::asio::execution::relationship_t query(
      boost::asio::execution::relationship_t) noexcept {
    return boost::asio::execution::relationship.fork;
  }
  static constexpr boost::asio::execution::outstanding_work_t query(
      boost::asio::execution::outstanding_work_t) noexcept {
    return boost::asio::execution::outstanding_work.untracked;
  }
  LoopExecutor require(boost::asio::execution::blocking_t::never_t) const noexcept { return *this; }

  template <typename F>
  void execute(F&& f) const {
    using Fn = std::decay_t<F>;
    if (running_loop != loop_ && !LoopInternals::closing(*loop_)) {
      execute_foreign(std::forward<F>(f));
      return;
    }
    if (LoopInternals::closing(*loop_)) {
      // Teardown: Asio unwinds abandoned coroutines by posting their destruction.
      Fn fn(std::forward<F>(f));
      try {
        fn();
      } catch (...) {
      }
      return;
    }
    auto* node = new Node<Fn>(std::forward<F>(f), *loop_, task_);
    LoopInternals::schedule(*loop_, node);
  }

  friend bool operator==(const LoopExecutor& a, const LoopExecutor& b) noexcept {
    return a.loop_ == b.loop_ && a.task_ == b.task_;
  }
  friend bool operator!=(const LoopExecutor& a, const LoopExecutor& b) noexcept {
    return !(a == b);
  }

 private:
  template <typename Fn>
  struct Node final : ReadyNode, Pooled {
    template <typename F>
    Node(F&& f, EventLoop& l, TaskCore* t) : fn_(std::forward<F>(f)), loop_(l), task_(t) {
      this->fn = &run;
      if (task_) {
        task_->add_ref();
        task_->foreign_work_started();
      }
    }
    static void run(ReadyNode* n, ReadyNode::Action a) {
      auto* self = static_cast<Node*>(n);
      Ref<TaskCore> task(self->task_, false);  // adopts
      if (task) task->foreign_work_finished();
      if (a == ReadyNode::Action::run) {
        Fn fn(std::move(self->fn_));
        EventLoop& loop = self->loop_;
        delete self;
        StepScope step(loop, task.get());
        try {
          fn();
        } catch (...) {
          report_executor_exception(loop, std::current_exception());
        }
      } else {
        delete self;
      }
    }
    Fn fn_;
    EventLoop& loop_;
    TaskCore* task_;
  };

  template <typename F>
  void execute_foreign(F&& f) const;
  static void report_executor_exception(EventLoop& loop, std::exception_ptr e) noexcept;

  EventLoop* loop_;
  TaskCore* task_;
};

static_assert(boost::asio::execution::is_executor<LoopExecutor>::value);

/// Hands `fn` to the loop from another thread (through the io_context, which is thread-safe).
void post_to_loop(EventLoop& loop, std::function<void()> fn);

template <typename F>
void LoopExecutor::execute_foreign(F&& f) const {
  // The task reference must not be touched off-thread: hand over a plain loop executor.
  auto shared = std::make_shared<std::decay_t<F>>(std::forward<F>(f));
  EventLoop* loop = loop_;
  post_to_loop(*loop,
               [loop, shared]() mutable { LoopExecutor(*loop).execute(std::move(*shared)); });
}

}  // namespace asyncio::detail
