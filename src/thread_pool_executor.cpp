#include <asyncio/thread_pool_executor.hpp>

#include <asyncio/detail/spin_wait.hpp>
#include <asyncio/exceptions.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
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
  // The calls not started yet, oldest first (a list through PoolJob::next).
  detail::PoolJob* head = nullptr;
  detail::PoolJob** tail = &head;
  std::size_t queued = 0;
  std::vector<std::thread> threads;
  std::size_t max_workers;
  std::size_t idle = 0;     // workers without a job, spinning or blocked
  std::size_t blocked = 0;  // of those, the ones waiting on `work`
  // An idle worker watches `events` for a while before it blocks: a loop that awaits one
  // call after another hands the next one over within microseconds, and waking a blocked
  // worker costs far more than that here. One worker at a time watches, with `spin`.
  bool spinning = false;
  detail::AdaptiveSpin spin;
  bool shutdown = false;
  std::atomic<std::uint32_t> events{0};  // changed, under the lock, by each post and shutdown
  std::mutex join_mutex;                 // one joiner at a time; workers never take it

  ~Impl() { delete_all(take_all()); }

  void push(detail::PoolJob* job) noexcept {
    *tail = job;
    tail = &job->next;
    ++queued;
  }
  detail::PoolJob* pop() noexcept {
    detail::PoolJob* job = head;
    head = job->next;
    if (!head) tail = &head;
    --queued;
    return job;
  }
  detail::PoolJob* take_all() noexcept {
    detail::PoolJob* all = head;
    head = nullptr;
    tail = &head;
    queued = 0;
    return all;
  }
  static void delete_all(detail::PoolJob* job) noexcept {
    while (job) delete std::exchange(job, job->next);
  }

  void worker() {
    std::unique_lock lock(mutex);
    for (;;) {
      ++idle;
      detail::AdaptiveSpin::clock::time_point spun{};
      if (!head && !shutdown && !spinning) {
        spinning = true;
        const std::uint32_t seen = events.load(std::memory_order_relaxed);
        lock.unlock();
        if (spin([&] { return events.load(std::memory_order_relaxed) != seen; }, spun)) {
          spun = {};
        }
        lock.lock();
        spinning = false;
      }
      if (!head && !shutdown) {
        ++blocked;
        work.wait(lock, [this] { return shutdown || head; });
        --blocked;
        if (head && spun != detail::AdaptiveSpin::clock::time_point()) spin.answered(spun);
      }
      --idle;
      if (!head) return;  // shut down and drained
      std::unique_ptr<detail::PoolJob> job(pop());
      lock.unlock();
      job->run();
      job.reset();  // the call's captures go on this thread, before the next wait
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

void ThreadPoolExecutor::post_job(detail::PoolJob* job) {
  std::unique_ptr<detail::PoolJob> owned(job);
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->shutdown) throw RuntimeError("cannot schedule new futures after shutdown");
    // Python's _adjust_thread_count: a new worker only when none is idle.
    if (impl_->idle <= impl_->queued && impl_->threads.size() < impl_->max_workers) {
      impl_->threads.emplace_back([impl = impl_.get()] { impl->worker(); });
      impl_->push(owned.release());
      impl_->events.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    impl_->push(owned.release());
    impl_->events.fetch_add(1, std::memory_order_relaxed);
    // The spinning worker takes one job without a wake-up (it looks at the queue, under
    // the lock, before it blocks); a blocked one is woken for each further job.
    if (impl_->blocked == 0 || impl_->queued <= (impl_->spinning ? 1u : 0u)) return;
  }
  impl_->work.notify_one();  // after unlocking: the woken worker does not block on the mutex
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  detail::PoolJob* dropped = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->shutdown = true;
    impl_->events.fetch_add(1, std::memory_order_relaxed);
    if (cancel_futures) dropped = impl_->take_all();
  }
  impl_->work.notify_all();
  for (detail::PoolJob* job = dropped; job; job = job->next) job->cancel();
  Impl::delete_all(dropped);
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
