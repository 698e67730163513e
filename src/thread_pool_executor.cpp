#include <asyncio/thread_pool_executor.hpp>

#include <asyncio/exceptions.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace asyncio {

namespace {
// Python 3.8+: min(32, os.cpu_count() + 4): I/O-bound work wants more threads than cores.
constexpr std::size_t kMaxDefaultWorkers = 32;
constexpr std::size_t kExtraWorkers = 4;

std::size_t default_workers() {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min(kMaxDefaultWorkers, cores + kExtraWorkers);
}
}  // namespace

struct ThreadPoolExecutor::Impl {
  std::mutex mutex;
  std::condition_variable work;
  std::deque<Job> queue;
  std::vector<std::thread> threads;
  std::size_t max_workers;
  std::size_t idle = 0;
  bool shutdown = false;
  std::mutex join_mutex;  // one joiner at a time; workers never take it

  void worker() {
    std::unique_lock lock(mutex);
    for (;;) {
      ++idle;
      work.wait(lock, [this] { return shutdown || !queue.empty(); });
      --idle;
      if (queue.empty()) return;  // shut down and drained
      Job job = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      job.run();
      job = Job();  // the call's captures go on this thread, before the next wait
      lock.lock();
    }
  }
};

ThreadPoolExecutor::ThreadPoolExecutor(std::size_t max_workers) : impl_(std::make_unique<Impl>()) {
  impl_->max_workers = max_workers ? max_workers : default_workers();
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  shutdown(true);
}

std::size_t ThreadPoolExecutor::max_workers() const noexcept {
  return impl_->max_workers;
}

void ThreadPoolExecutor::post_job(Job job) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->shutdown) throw RuntimeError("cannot schedule new futures after shutdown");
    impl_->queue.push_back(std::move(job));
    // Python's _adjust_thread_count: a new worker only when none is idle.
    if (impl_->idle < impl_->queue.size() && impl_->threads.size() < impl_->max_workers) {
      impl_->threads.emplace_back([impl = impl_.get()] { impl->worker(); });
      return;
    }
  }
  impl_->work.notify_one();  // after unlocking: the woken worker does not block on the mutex
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->shutdown = true;
    if (cancel_futures) dropped.swap(impl_->queue);
  }
  impl_->work.notify_all();
  for (Job& job : dropped) job.cancel();
  dropped.clear();
  if (!wait) return;
  std::lock_guard joining(impl_->join_mutex);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mutex);
    threads.swap(impl_->threads);
  }
  for (std::thread& t : threads) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // shut down from one of its own calls: it ends when that call returns
    } else {
      t.join();
    }
  }
}

}  // namespace asyncio
