#pragma once
// How a ConcurrentFuture and a loop's Future or Task follow each other across threads.
// Python: `futures._chain_future`. Not API.

#include <asyncio/concurrent_future.hpp>
#include <asyncio/detail/future_core.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

/// Python: `_copy_future_state`, from a done ConcurrentFuture into a loop's Future.
template <typename T>
void copy_concurrent_state(const ConcurrentFuture<T>& source, Future<T>& destination) {
  if (destination.done()) return;  // cancelled meanwhile
  if (source.cancelled()) {
    destination.cancel();
  } else if (std::exception_ptr e = source.exception()) {
    destination.set_exception(std::move(e));
  } else if constexpr (std::is_void_v<T>) {
    destination.set_result();
  } else {
    destination.set_result(source.result());
  }
}

/// `wrap_future`'s link. A `Future` handle belongs to its loop's thread (its count is not
/// atomic), so the one the other thread's callback carries is a raw pointer, made and freed
/// on the loop's thread: by the callback it posts, or by the loop when it closes first.
template <typename T>
void chain_future(ConcurrentFuture<T> source, Future<T> destination, EventLoop& loop) {
  destination.add_done_callback([source](Future<T> d) {
    if (d.cancelled()) source.cancel();
  });
  loop.add_external_work();  // virtual time waits for the other thread
  struct Held final : ExternalHold {
    explicit Held(Future<T> f) : future(std::move(f)) {}
    Future<T> future;
  };
  auto* held = new Held(std::move(destination));
  LoopInternals::hold(loop, held);  // freed by the loop if it closes first
  source.add_done_callback([held, &loop](ConcurrentFuture<T> done) {
    try {
      loop.call_soon_threadsafe([held, done, &loop] {
        std::unique_ptr<Held> destination(held);
        loop.remove_external_work();
        copy_concurrent_state(done, destination->future);
      });
    } catch (const RuntimeError&) {
      // The loop is closed: nobody can await the result any more.
    }
  });
}

/// The ConcurrentFuture of `run_coroutine_threadsafe`, failed with "Event loop is closed"
/// if whatever holds it is dropped before the task could finish (the loop closed first), so
/// that a thread blocked in `result()` does not wait forever.
template <typename T>
class CompleteOnDrop {
 public:
  explicit CompleteOnDrop(ConcurrentFuture<T> f) : future_(std::move(f)) {}
  CompleteOnDrop(CompleteOnDrop&& o) noexcept : future_(std::exchange(o.future_, std::nullopt)) {}
  CompleteOnDrop& operator=(CompleteOnDrop&&) = delete;
  ~CompleteOnDrop() {
    if (!future_ || future_->done()) return;
    try {
      future_->set_exception(std::make_exception_ptr(RuntimeError("Event loop is closed")));
    } catch (const InvalidStateError&) {
      // cancelled meanwhile by another thread
    }
  }
  const ConcurrentFuture<T>& future() const { return *future_; }
  ConcurrentFuture<T> release() { return *std::exchange(future_, std::nullopt); }

 private:
  std::optional<ConcurrentFuture<T>> future_;
};

/// The task of `run_coroutine_threadsafe`, as the loop's thread alone sees it.
struct TaskLink {
  TaskCore* task = nullptr;  // null once the task is done
};

/// Python: `_chain_future(task, concurrent_future)`, on the task's loop.
template <typename T>
void chain_task(Task<T> task, CompleteOnDrop<T> guard, EventLoop& loop) {
  auto link = std::make_shared<TaskLink>();
  link->task = HandleAccess::core(task);
  guard.future().add_done_callback([link, &loop](ConcurrentFuture<T> f) {
    if (!f.cancelled()) return;
    try {
      loop.call_soon_threadsafe([link] {
        if (link->task) link->task->cancel();
      });
    } catch (const RuntimeError&) {
      // The loop is closed: so is the task.
    }
  });
  task.add_done_callback([guard = std::move(guard), link](Task<T> t) mutable {
    link->task = nullptr;
    ConcurrentFuture<T> f = guard.release();
    if (t.cancelled()) {
      f.cancel();
      return;
    }
    if (!f.set_running_or_notify_cancel()) return;  // cancelled from another thread
    if (std::exception_ptr e = t.exception()) {
      f.set_exception(std::move(e));
    } else if constexpr (std::is_void_v<T>) {
      f.set_result();
    } else {
      f.set_result(t.result());
    }
  });
}

}  // namespace asyncio::detail
