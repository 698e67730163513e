#include <asyncio/detail/task_core.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <ostream>

namespace asyncio {

namespace detail {

namespace {
// Python: `_task_name_counter`, shared by every loop in the process.
std::atomic<std::uint64_t> task_counter{0};

}  // namespace

bool is_operation_aborted(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& se) {
    return se.code() == boost::asio::error::operation_aborted;
  } catch (...) {
    return false;
  }
}

TaskCore::TaskCore(EventLoop& loop, std::string&& name)
    : FutureCore(loop), name_(std::move(name)), id_(task_counter.fetch_add(1) + 1) {
  // Python: Task.__init__ registers the task and schedules its first step.
  LoopInternals::tasks(loop).push_back(*this);
  this->fn = &first_step;
  add_ref();  // the ready queue's reference
  LoopInternals::schedule(loop, this);
}

TaskCore::~TaskCore() {
  unlink_from_loop();
  if (log_traceback_) {
    log_traceback_ = false;
    ExceptionContext context{"Task exception was never retrieved", exception_, repr()};
    if (EventLoop* loop = this->loop()) {
      loop->call_exception_handler(context);
    } else {
      std::cerr << context.message << "\nfuture: " << context.object
                << "\nexception: " << format_exception(context.exception) << std::endl;
    }
  }
}

std::string TaskCore::get_name() const {
  return name_.empty() ? "Task-" + std::to_string(id_) : name_.str();
}

void TaskCore::first_step(ReadyNode* n, ReadyNode::Action a) {
  Ref<TaskCore> task(static_cast<TaskCore*>(n), false);  // adopts the queue's reference
  if (a == ReadyNode::Action::discard) {
    task->drop_coroutine();
    task->abandon();
    return;
  }
  if (task->done()) return;
  StepScope step(*task->loop_, task.get());
  task->started_ = true;
  if (task->must_cancel_) {
    // Cancelled before it started: the coroutine never runs (Python throws CancelledError
    // into it at its first line).
    task->must_cancel_ = false;
    task->drop_coroutine();
    task->finish_cancelled(CancelledError(task->take_cancel_message()));
    return;
  }
  task->launch();
}

namespace {
// Cancelling a task cancels what it awaits, which may be a task awaiting another, and so on,
// a million deep. Python recurses (and raises RecursionError at ~10,000); here only the
// outermost cancel() walks, iteratively. A nested cancel() does its bookkeeping, which is
// all its answer depends on (a pending task always says true), and pushes the rest of its
// work on the walk's stack. The walk takes what one task pushed in the order it pushed
// them, before anything pushed earlier: the order recursion would have.
struct CancelWalk {
  struct Item {
    Ref<TaskCore> task;
    std::string msg;
  };
  std::vector<Item> stack;
  bool active = false;
  std::uint32_t bulk_epoch = 0;  // nonzero inside a BulkCancel
};
thread_local CancelWalk walk;
// Shared by every loop thread: a task keeps the epoch that last reached it, and a later
// bulk cancellation on any thread must not find it already marked.
std::atomic<std::uint32_t> next_bulk_epoch{0};
}  // namespace

BulkCancel::BulkCancel() noexcept : prev_(walk.bulk_epoch) {
  std::uint32_t e = ++next_bulk_epoch;
  if (e == 0) e = ++next_bulk_epoch;  // 0 means "none"
  walk.bulk_epoch = e;
}

BulkCancel::~BulkCancel() {
  walk.bulk_epoch = prev_;
}

bool TaskCore::cancel(std::string msg) {
  check_thread();
  log_traceback_ = false;
  if (done()) return false;
  ++num_cancels_requested_;
  cancel_message_ = msg;
  if (walk.bulk_epoch != 0) {
    if (cancel_epoch_ == walk.bulk_epoch) return true;
    cancel_epoch_ = walk.bulk_epoch;
  }
  if (walk.active) {
    walk.stack.push_back({Ref<TaskCore>(this), std::move(msg)});
    return true;
  }
  walk.active = true;
  struct End {
    ~End() {
      walk.active = false;
      walk.stack.clear();  // only non-empty when an exception cut the walk short
    }
  } end;
  cancel_wait(msg);
  std::reverse(walk.stack.begin(), walk.stack.end());
  while (!walk.stack.empty()) {
    CancelWalk::Item item = std::move(walk.stack.back());
    walk.stack.pop_back();
    const std::size_t mark = walk.stack.size();
    if (!item.task->done()) item.task->cancel_wait(item.msg);
    std::reverse(walk.stack.begin() + static_cast<std::ptrdiff_t>(mark), walk.stack.end());
  }
  return true;
}

// Python: the rest of Task.cancel, after the bookkeeping.
void TaskCore::cancel_wait(const std::string& msg) {
  if (waiter_ && waiter_->try_cancel && waiter_->try_cancel(waiter_, msg)) return;
  if (started_ && !running_ && !waiter_ && foreign_pending_ == 0) {
    // Suspended in an Asio operation: cancel it through its per-operation slot.
    cancel_signal_.emit(boost::asio::cancellation_type::terminal);
    return;
  }
  must_cancel_ = true;
}

int TaskCore::uncancel() noexcept {
  if (num_cancels_requested_ > 0) {
    --num_cancels_requested_;
    if (num_cancels_requested_ == 0) must_cancel_ = false;
  }
  return static_cast<int>(num_cancels_requested_);
}

void TaskCore::cancel_foreign_wait() noexcept {
  if (done() || waiter_ || foreign_pending_ || !must_cancel_ || !started_) return;
  // The step ended in an Asio operation while a cancel was pending: cancel the operation.
  must_cancel_ = false;
  cancel_signal_.emit(boost::asio::cancellation_type::terminal);
}

void throw_detached_wait(TaskCore* task) {
  throw CancelledError(task ? task->take_cancel_message() : std::string());
}

void TaskCore::finish_value() noexcept {
  if (must_cancel_) {
    // Python: "Task is cancelled right before coro stops."
    must_cancel_ = false;
    cancel_future(cancel_message_.str());
  } else {
    mark_done(State::finished);
  }
  unlink_from_loop();
}

void TaskCore::finish_exception(std::exception_ptr e) noexcept {
  // An Asio operation aborted by task.cancel() ends the task as cancelled, as
  // CancelledError would.
  if (num_cancels_requested_ > 0 && is_operation_aborted(e)) {
    cancel_future(cancel_message_.str());
  } else {
    set_exception_unchecked(std::move(e));
  }
  unlink_from_loop();
}

void TaskCore::finish_cancelled(const CancelledError& e) noexcept {
  must_cancel_ = false;
  cancel_future(e.message());
  unlink_from_loop();
}

void TaskCore::abandon() noexcept {
  unlink_from_loop();
  // Its coroutine is gone, so it can never finish: release whatever waits for it.
  Ref<TaskCore> keep(this);
  drop_callbacks();
}

void TaskCore::unlink_from_loop() noexcept {
  TaskListNode::unlink();
}

void TaskCore::describe(std::ostream& os) const {
  os << "<Task ";
  switch (state_) {
    case State::pending:
      os << (num_cancels_requested_ > 0 ? "cancelling" : "pending");
      break;
    case State::cancelled:
      os << "cancelled";
      break;
    case State::finished:
      os << "finished";
      break;
  }
  os << " name='" << get_name() << '\'';
  if (state_ == State::pending && waiter_ && waiter_->describe_wait) {
    os << " wait_for=";
    waiter_->describe_wait(waiter_, os);
  }
  if (state_ == State::finished) {
    os << ' ';
    if (exception_) {
      os << "exception=" << format_exception(exception_);
    } else {
      describe_result(os);
    }
  }
  os << '>';
}

}  // namespace detail

}  // namespace asyncio
