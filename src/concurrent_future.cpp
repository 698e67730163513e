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

void ConcurrentCore::wait(std::optional<Delay> timeout) {
  std::unique_lock lock(mutex_);
  auto done = [this] { return state_ == State::cancelled || state_ == State::finished; };
  if (!timeout || timeout->count() >= kNever) {
    done_.wait(lock, done);
  } else if (!done_.wait_for(lock, timeout->duration(), done)) {
    throw TimeoutError();
  }
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
