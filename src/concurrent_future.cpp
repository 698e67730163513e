#include <asyncio/concurrent_future.hpp>
#include <asyncio/exceptions.hpp>

namespace asyncio::detail {

ConcurrentCore::State ConcurrentCore::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

bool ConcurrentCore::cancel() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::running || state_ == State::finished) return false;
    if (state_ == State::cancelled) return true;
    unblock_waiters();
    state_ = State::cancelled;
    callbacks.swap(callbacks_);
  }
  done_.notify_all();
  run(callbacks);
  return true;
}

bool ConcurrentCore::set_running_or_notify_cancel() {
  std::lock_guard lock(mutex_);
  if (state_ == State::cancelled) return false;
  if (state_ != State::pending) throw RuntimeError("Future in unexpected state");
  state_ = State::running;
  return true;
}

// A thread waiting for a loop's task is not working for that loop: under virtual time the
// loop must not wait for it. It counts as blocked from before it waits until the future is
// done (the finishing side stops the count, before anyone can see the future done) or the
// wait times out.
void ConcurrentCore::wait(std::optional<Delay> timeout) {
  auto done = [this] { return state_ == State::cancelled || state_ == State::finished; };
  std::unique_lock lock(mutex_);
  if (done()) return;
  if (producer_) {
    ++blocked_;
    note_blocked_on(*producer_, 1);
  }
  if (!timeout || timeout->count() >= kNever) {
    done_.wait(lock, done);
  } else if (!done_.wait_for(lock, timeout->duration(), done)) {
    if (producer_ && blocked_ > 0) {
      --blocked_;
      note_blocked_on(*producer_, -1);
    }
    throw TimeoutError();
  }
}

void ConcurrentCore::unblock_waiters() noexcept {
  if (producer_ && blocked_ > 0) note_blocked_on(*producer_, -blocked_);
  blocked_ = 0;
  producer_ = nullptr;
}

void ConcurrentCore::add_callback(std::function<void()> cb) {
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::cancelled && state_ != State::finished) {
      callbacks_.push_back(std::move(cb));
      return;
    }
  }
  std::vector<std::function<void()>> now;
  now.push_back(std::move(cb));
  run(now);
}

void ConcurrentCore::check_settable() const {
  if (state_ == State::cancelled || state_ == State::finished) {
    throw InvalidStateError(state_ == State::cancelled ? "invalid state: CANCELLED"
                                                       : "invalid state: FINISHED");
  }
}

void ConcurrentCore::run(std::vector<std::function<void()>>& callbacks) noexcept {
  // Python logs an exception from a done-callback ("exception calling callback for ...")
  // and goes on with the others.
  for (auto& cb : callbacks) {
    try {
      cb();
    } catch (...) {
    }
  }
  callbacks.clear();
}

}  // namespace asyncio::detail
