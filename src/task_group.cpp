#include <asyncio/task_group.hpp>

#include <asyncio/detail/ensure_future.hpp>

#include <ostream>
#include <sstream>

namespace asyncio {

namespace {
std::string repr(const TaskGroup& tg) {
  std::ostringstream os;
  os << tg;
  return os.str();
}
}  // namespace

TaskGroup::~TaskGroup() {
  // Only reached with children left when the loop tears the group's coroutine down: the
  // children's callbacks must not reach a group that is gone.
  for (detail::GroupChild& n : children_) n.group = nullptr;
  children_.clear();
}

std::ostream& operator<<(std::ostream& os, const TaskGroup& tg) {
  os << "<TaskGroup";
  if (!tg.children_.empty()) os << " tasks=" << tg.children_.size();
  if (!tg.errors_.empty()) os << " errors=" << tg.errors_.size();
  if (tg.aborting_) {
    os << " cancelling";
  } else if (tg.entered_) {
    os << " entered";
  }
  return os << '>';
}

EventLoop& TaskGroup::parent_loop() const {
  return parent_.get_loop();
}

void TaskGroup::enter() {
  if (entered_) throw RuntimeError("TaskGroup " + repr(*this) + " has already been entered");
  AnyTask parent = current_task();
  if (!parent) throw RuntimeError("TaskGroup " + repr(*this) + " cannot determine the parent task");
  parent_ = std::move(parent);
  entered_ = true;
  if (cancel_on_enter_) cancel();
}

void TaskGroup::check_can_create() const {
  if (!entered_) throw RuntimeError("TaskGroup " + repr(*this) + " has not been entered");
  if (exiting_ && children_.empty())
    throw RuntimeError("TaskGroup " + repr(*this) + " is finished");
  if (aborting_) throw RuntimeError("TaskGroup " + repr(*this) + " is shutting down");
}

void TaskGroup::adopt(detail::TaskCore* child) {
  auto* node = new detail::GroupChild(this, child);
  node->fn = &child_done;
  children_.push_front(*node);
  child->add_callback_node(node);
}

void TaskGroup::child_done(detail::ReadyNode* n, detail::ReadyNode::Action a) {
  auto* node = static_cast<detail::GroupChild*>(n);
  detail::Ref<detail::FutureCore> keep(node->holds_ref ? node->owner : nullptr, false);  // adopts
  if (node->group) {
    if (a == detail::ReadyNode::Action::run) {
      node->group->on_task_done(node);
    } else {
      TaskGroup* g = node->group;  // teardown: just forget the child
      g->children_.erase(g->children_.iterator_to(*node));
    }
  }
  delete node;
}

void TaskGroup::abort() noexcept {
  aborting_ = true;
  for (detail::GroupChild& n : children_) {
    if (!n.owner->done()) n.owner->cancel();
  }
}

// Python: TaskGroup._on_task_done.
void TaskGroup::on_task_done(detail::GroupChild* node) noexcept {
  children_.erase(children_.iterator_to(*node));
  if (on_completed_ && children_.empty() && !on_completed_->done()) on_completed_->set_result();

  detail::FutureCore* task = node->owner;
  if (task->cancelled()) return;
  std::exception_ptr e = task->take_exception();
  if (!e) return;
  errors_.push_back(e);
  if (parent_.done()) {
    std::ostringstream msg;
    task->describe(msg);
    parent_loop().call_exception_handler(
        {"Task " + msg.str() + " has errored out but its parent task is already completed", e,
         msg.str()});
    return;
  }
  if (!aborting_ && !parent_cancel_requested_) {
    // Cancel the body (and the siblings) now; __aexit__ uncancels the parent later.
    abort();
    parent_cancel_requested_ = true;
    parent_.cancel();
  }
}

void TaskGroup::cancel() {
  if (!entered_) {
    cancel_on_enter_ = true;
    return;
  }
  if (exiting_ && children_.empty()) return;
  if (!aborting_) {
    abort();
    if (parent_ && !parent_cancel_requested_) {
      parent_cancel_requested_ = true;
      parent_.cancel();
    }
  }
}

// Python 3.13: TaskGroup.__aexit__.
awaitable<void> TaskGroup::exit(std::exception_ptr body_error) {
  exiting_ = true;
  std::exception_ptr propagate_cancellation;
  const bool body_cancelled = holds<CancelledError>(body_error);
  if (body_cancelled) propagate_cancellation = body_error;
  if (body_error && !aborting_) abort();  // the body failed, or the parent is cancelled

  // A loop: the parent may be cancelled again while its children wind down.
  while (!children_.empty()) {
    if (!on_completed_) on_completed_.emplace(parent_loop());
    try {
      co_await *on_completed_;
    } catch (const CancelledError&) {
      if (!aborting_) {
        // The task running the group is cancelled from outside while children still run.
        propagate_cancellation = std::current_exception();
        abort();
      }
    }
    on_completed_.reset();
  }

  if (parent_cancel_requested_) {
    // The group cancelled its parent itself: take that request back.
    if (parent_.uncancel() == 0) propagate_cancellation = nullptr;
  }
  // CancelledError propagates unless there are errors: those have priority.
  if (propagate_cancellation && errors_.empty()) std::rethrow_exception(propagate_cancellation);
  if (body_error && !body_cancelled) errors_.push_back(body_error);
  if (!errors_.empty()) {
    // Keep an outside cancellation of the parent pending, with a stable count.
    if (parent_.cancelling() > 0) {
      parent_.uncancel();
      parent_.cancel();
    }
    std::vector<std::exception_ptr> errors = std::move(errors_);
    errors_.clear();
    throw ExceptionGroup("unhandled errors in a TaskGroup", std::move(errors));
  }
}

}  // namespace asyncio
