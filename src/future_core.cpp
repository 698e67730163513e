#include <asyncio/detail/future_core.hpp>
#include <asyncio/future.hpp>

#include <atomic>
#include <iostream>
#include <sstream>

namespace asyncio::detail {

namespace {
std::atomic<std::uint64_t> next_callback_id{1};

void report_unretrieved(FutureCore& f, const std::string& message, std::exception_ptr e) {
  ExceptionContext context{message, std::move(e), f.repr()};
  if (EventLoop* loop = f.loop()) {
    loop->call_exception_handler(context);
  } else {
    std::cerr << context.message << "\nfuture: " << context.object
              << "\nexception: " << format_exception(context.exception) << std::endl;
  }
}
}  // namespace

void report_callback_exception(FutureCore* owner, std::exception_ptr e) noexcept {
  try {
    if (EventLoop* loop = owner ? owner->loop() : running_loop) {
      loop->call_exception_handler(
          {"Exception in callback (done callback)", std::move(e), owner ? owner->repr() : ""});
    }
  } catch (...) {
  }
}

FutureCore::FutureCore(EventLoop& loop) noexcept
    : loop_(&loop), loop_id_(LoopInternals::id(loop)) {}

void FutureCore::drop_callbacks() noexcept {
  while (Waiter* w = callbacks_.pop_front()) {
    if (w->is_callback) w->fn(w, ReadyNode::Action::discard);
  }
}

FutureCore::~FutureCore() {
  // Only done-callbacks can still be listed: an awaiting coroutine holds a reference.
  drop_callbacks();
  if (log_traceback_) {
    try {
      report_unretrieved(*this, "Future exception was never retrieved", exception_);
    } catch (...) {
    }
  }
}

bool FutureCore::cancel(std::string msg) {
  check_thread();
  log_traceback_ = false;
  return cancel_future(std::move(msg));
}

bool FutureCore::cancel_future(std::string msg) noexcept {
  if (state_ != State::pending) return false;
  exception_ = std::make_exception_ptr(CancelledError(std::move(msg)));
  mark_done(State::cancelled);
  return true;
}

void FutureCore::ensure_pending() const {
  if (state_ == State::pending) return;
  throw InvalidStateError((state_ == State::cancelled ? "CANCELLED: " : "FINISHED: ") + repr());
}

void FutureCore::set_exception(std::exception_ptr e) {
  check_thread();
  ensure_pending();
  if (!e) throw ValueError("set_exception() needs an exception, got a null exception_ptr");
  set_exception_unchecked(std::move(e));
}

void FutureCore::set_exception_unchecked(std::exception_ptr e) noexcept {
  exception_ = std::move(e);
  log_traceback_ = true;
  mark_done(State::finished);
}

std::exception_ptr FutureCore::exception() {
  if (state_ == State::cancelled) std::rethrow_exception(exception_);
  if (state_ != State::finished) throw InvalidStateError("Exception is not set.");
  log_traceback_ = false;
  return exception_;
}

void FutureCore::check_result_slow() {
  if (state_ == State::cancelled) std::rethrow_exception(exception_);
  if (state_ != State::finished) throw InvalidStateError("Result is not set.");
  log_traceback_ = false;
  if (exception_) std::rethrow_exception(exception_);
}

CancelledError FutureCore::make_cancelled_error() const {
  try {
    if (exception_) std::rethrow_exception(exception_);
  } catch (const CancelledError& e) {
    return e;
  } catch (...) {
  }
  return CancelledError();
}

void FutureCore::mark_done(State s) noexcept {
  state_ = s;
  EventLoop* loop = callbacks_.empty() ? nullptr : this->loop();
  while (Waiter* w = callbacks_.pop_front()) {
    if (!loop) {  // the loop is gone: nothing can run any more
      if (w->is_callback) w->fn(w, ReadyNode::Action::discard);
      continue;
    }
    if (w->is_callback) {
      add_ref();
      w->holds_ref = true;
    }
    LoopInternals::schedule(*loop, w);
  }
}

std::uint64_t FutureCore::add_callback_node(CallbackWaiter* node) {
  try {
    check_thread();
  } catch (...) {
    node->fn(node, ReadyNode::Action::discard);  // frees it
    throw;
  }
  node->id = next_callback_id.fetch_add(1, std::memory_order_relaxed);
  if (state_ == State::pending) {
    callbacks_.push_back(node);
    return node->id;
  }
  EventLoop* loop = this->loop();
  if (!loop) {
    node->fn(node, ReadyNode::Action::discard);
    throw RuntimeError("Event loop is closed");
  }
  add_ref();
  node->holds_ref = true;
  LoopInternals::schedule(*loop, node);
  return node->id;
}

std::size_t FutureCore::remove_done_callback(std::uint64_t id) noexcept {
  std::size_t removed = 0;
  callbacks_.for_each([&](Waiter* w) {
    if (w->is_callback && static_cast<CallbackWaiter*>(w)->id == id) {
      callbacks_.remove(w);
      w->fn(w, ReadyNode::Action::discard);
      ++removed;
    }
  });
  return removed;
}

void FutureCore::describe(std::ostream& os) const {
  os << '<' << kind() << ' ';
  switch (state_) {
    case State::pending:
      os << "pending";
      break;
    case State::cancelled:
      os << "cancelled";
      break;
    case State::finished:
      os << "finished ";
      if (exception_) {
        os << "exception=" << format_exception(exception_);
      } else {
        describe_result(os);
      }
      break;
  }
  os << '>';
}

std::string FutureCore::repr() const {
  std::ostringstream os;
  describe(os);
  return os.str();
}

}  // namespace asyncio::detail
