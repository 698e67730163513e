#pragma once
// The type-independent half of a Task: cancellation bookkeeping and the step protocol.
// Not API.

#include <asyncio/detail/compact_string.hpp>
#include <asyncio/detail/future_core.hpp>

#include <boost/asio/cancellation_signal.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <utility>

namespace asyncio::detail {

/// Python: `asyncio.Task` minus its coroutine. A task runs as an Asio "thread of execution"
/// (`awaitable_thread`) whose executor names the task, so every resumption, whether from an
/// asyncio primitive or from an Asio completion, is a step of this task on the ready queue.
class TaskCore : public FutureCore, public TaskListNode, public ReadyNode {
 public:
  TaskCore(EventLoop& loop, std::string&& name);
  ~TaskCore() override;

  /// Python: `Task.cancel(msg)`.
  bool cancel(std::string msg = {}) override;
  /// Python: `Task.cancelling()`.
  int cancelling() const noexcept { return static_cast<int>(num_cancels_requested_); }
  /// Python: `Task.uncancel()`.
  int uncancel() noexcept;

  std::string get_name() const;
  void describe(std::ostream& os) const override;
  void set_name(std::string name) { name_ = std::move(name); }
  std::uint64_t id() const noexcept { return id_; }

  /// Python: `_fut_waiter`: the asyncio wait the task is suspended in, if any.
  Waiter* fut_waiter() const noexcept { return waiter_; }
  /// Forgets the wait (the loop is torn down and unwinds it).
  Waiter* take_fut_waiter() noexcept { return std::exchange(waiter_, nullptr); }
  /// Python: `_must_cancel`: CancelledError is delivered at the next suspension.
  bool must_cancel() const noexcept { return must_cancel_; }
  std::string take_cancel_message() { return cancel_message_.str(); }

  /// Executor work queued for this task (an Asio completion about to resume it).
  void foreign_work_started() noexcept { ++foreign_pending_; }
  void foreign_work_finished() noexcept { --foreign_pending_; }

  /// Ends the task: with its value already stored, with an exception, or cancelled.
  void finish_value() noexcept;
  void finish_exception(std::exception_ptr e) noexcept;
  void finish_cancelled(const CancelledError& e) noexcept;
  /// The coroutine was destroyed before finishing (loop closed): leave the registry.
  void abandon() noexcept;

 protected:
  virtual void launch() = 0;                   // enter the coroutine (first step)
  virtual void drop_coroutine() noexcept = 0;  // destroy a never-started coroutine
  const char* kind() const noexcept override { return "Task"; }

  /// Emitted to cancel an Asio operation the task is suspended in.
  boost::asio::cancellation_signal cancel_signal_;

 private:
  static void first_step(ReadyNode* n, ReadyNode::Action a);
  /// The part of `cancel` that reaches into what the task awaits.
  void cancel_wait(const std::string& msg);
  void unlink_from_loop() noexcept;
  void post_step() noexcept {
    if (must_cancel_) cancel_foreign_wait();
  }
  void cancel_foreign_wait() noexcept;
  friend class StepScope;
  friend class BulkCancel;
  friend void park(Waiter* w, TaskCore* task) noexcept;
  friend void unpark(Waiter* w) noexcept;

  Waiter* waiter_ = nullptr;  // see fut_waiter()
  bool must_cancel_ = false;  // see must_cancel()
  bool running_ = false;      // inside a step
  bool started_ = false;      // the coroutine has been entered
  std::uint32_t foreign_pending_ = 0;
  std::uint32_t num_cancels_requested_ = 0;
  /// The bulk cancellation (see `BulkCancel`) that last reached this task.
  std::uint32_t cancel_epoch_ = 0;
  CompactString cancel_message_;
  CompactString name_;
  std::uint64_t id_;
};

/// Whether `e` is an Asio operation's `operation_aborted` error: the form `task.cancel()`
/// takes inside an Asio operation the task awaits.
bool is_operation_aborted(const std::exception_ptr& e) noexcept;

/// Makes the `cancel()` calls made while it lives one bulk cancellation (Python:
/// `runners._cancel_all_tasks`): a task reached a second time counts the request but does
/// not pass it on again to what it awaits, which was reached the first time and cannot have
/// moved since (no task runs in between). Cancelling a chain of N tasks that each await the
/// next is then linear, where Python's walk (and a plain loop of `cancel()`) is quadratic.
/// The one difference: an inner task's `cancelling()` counts fewer requests.
/// Threads: the loop's thread; nothing may run between the cancels it covers.
class BulkCancel {
 public:
  BulkCancel() noexcept;
  ~BulkCancel();
  BulkCancel(const BulkCancel&) = delete;
  BulkCancel& operator=(const BulkCancel&) = delete;

 private:
  std::uint32_t prev_;
};

/// Brackets one step of a task (Python: `_enter_task` / `_leave_task`): sets
/// `current_task()`, and afterwards routes a pending cancellation into the Asio
/// operation the task may have suspended in.
class StepScope {
 public:
  StepScope(EventLoop& loop, TaskCore* task) noexcept
      : loop_(loop),
        task_(task && !task->done() ? task : nullptr),
        prev_(LoopInternals::current_task(loop)) {
    if (task_) task_->add_ref();  // the step may end the task and drop its last handle
    LoopInternals::current_task(loop_) = task_;
    if (task_) {
      task_->running_ = true;
      if (loop.get_debug()) LoopInternals::debug_last_step(loop) = task_->repr();
    }
  }
  ~StepScope() {
    if (task_) {
      task_->running_ = false;
      task_->post_step();
    }
    LoopInternals::current_task(loop_) = prev_;
    if (task_) task_->release();
  }
  StepScope(const StepScope&) = delete;
  StepScope& operator=(const StepScope&) = delete;

 private:
  EventLoop& loop_;
  TaskCore* task_;
  TaskCore* prev_;
};

/// The CancelledError of a detached wait (see `Waiter::detached`), cancelled by `task`.
[[noreturn]] void throw_detached_wait(TaskCore* task);

/// Parks waiter `w` as the wait of `task` (null: a callback waits).
inline void park(Waiter* w, TaskCore* task) noexcept {
  w->task = task;
  if (!task) return;
  task->waiter_ = w;
  // Python's __step: a cancel that arrived while the task ran cancels what it now awaits.
  if (task->must_cancel_ && w->try_cancel) {
    if (w->try_cancel(w, task->cancel_message_.str())) task->must_cancel_ = false;
  }
}

/// Called when a parked waiter is about to resume its task: the task is no longer waiting,
/// and a cancel that came too late to cancel the wait is delivered now.
inline void unpark(Waiter* w) noexcept {
  TaskCore* task = w->task;
  if (!task) return;
  if (task->waiter_ == w) task->waiter_ = nullptr;
  if (task->must_cancel_) {
    task->must_cancel_ = false;
    w->cancelled = true;
  }
}

}  // namespace asyncio::detail
