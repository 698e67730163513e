#include <asyncio/event_loop.hpp>

#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/future_core.hpp>
#include <asyncio/detail/spin_wait.hpp>
#include <asyncio/detail/task_core.hpp>
#include <asyncio/thread_pool_executor.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace asyncio {

namespace {

// Loops that exist, by id: handles outlive their loop and must not schedule on a dead one.
std::mutex live_loops_mutex;
std::unordered_map<std::uint32_t, EventLoop*>& live_loops() {
  static std::unordered_map<std::uint32_t, EventLoop*> loops;
  return loops;
}
std::atomic<std::uint32_t> next_loop_id{1};

// Ready callbacks run between two polls of the io_context. asyncio polls once per batch;
// with Asio's reactor present a poll is a system call (~1 µs here), so a hop between tasks
// would cost more than the hop itself. A budget keeps I/O latency bounded instead.
constexpr std::uint32_t kPollBudget = 128;

// The longest single wait for I/O; a timer further away is reached in several waits.
constexpr std::int64_t kMaxWaitNs = 3600LL * 1'000'000'000LL;

// What one iteration takes at most from the callbacks of other threads, and from Asio's
// handlers. Unbounded, a flood of call_soon_threadsafe from a few threads keeps the loop in
// one iteration for seconds: its timers and its own tasks wait behind the flood.
constexpr std::size_t kInboxBatch = 1024;
constexpr std::size_t kIoBatch = 128;

// Runs at most kIoBatch ready Asio handlers (io_context::poll runs them until none is left,
// including those that arrive meanwhile).
std::size_t poll_some(boost::asio::io_context& io) {
  std::size_t n = 0;
  while (n < kIoBatch && io.poll_one() != 0) ++n;
  return n;
}

// CLOCK_MONOTONIC_COARSE is CLOCK_MONOTONIC (the steady_clock) as of the last tick: about
// a quarter of the cost to read, and behind by less than one tick, in principle. On a loaded
// virtual machine a tick can come late (seen: a timer due now judged not due over six
// batches, once in 300 runs with both cores busy), so the slack is two ticks but at least
// 50 ms; -1 where there is no such clock (then only the precise one is used).
std::int64_t coarse_clock_slack_ns() noexcept {
#ifdef CLOCK_MONOTONIC_COARSE
  timespec res{};
  if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0) return -1;
  const std::int64_t tick = res.tv_sec * detail::kNanosecondsPerSecond + res.tv_nsec;
  constexpr std::int64_t kMinSlackNs = 50 * detail::kNanosecondsPerSecond / 1000;  // 50 ms
  return tick > 0 && tick <= kMinSlackNs ? std::max(2 * tick, kMinSlackNs) : -1;
#else
  return -1;
#endif
}

std::int64_t coarse_clock_ns() noexcept {
#ifdef CLOCK_MONOTONIC_COARSE
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return now.tv_sec * detail::kNanosecondsPerSecond + now.tv_nsec;
#else
  return 0;
#endif
}

}  // namespace

struct EventLoop::Impl {
  std::mutex inbox_mutex;
  // Guarded by inbox_mutex: callbacks from other threads (call_soon_threadsafe, executor
  // work), oldest first; whether the loop blocks in the io_context (or is about to) with no
  // wake-up posted yet; whether the loop is closed (then the io_context may be gone, and
  // posting raises).
  std::vector<detail::CallbackBase*> inbox;
  bool sleeping = false;
  bool inbox_closed = false;
  // Wake-ups being posted to the io_context, outside the lock: teardown waits for them
  // before it destroys the io_context.
  std::atomic<std::int32_t> posting{0};
  // Loop thread only: how long it watches the inbox before it blocks (see spin_for_inbox),
  // and when it last began to (null: it did not, before the current block).
  detail::AdaptiveSpin spin;
  detail::AdaptiveSpin::clock::time_point spin_started{};
  // Loop thread only: callbacks taken from the inbox, not yet moved to the ready queue.
  std::vector<detail::CallbackBase*> taken;
  std::size_t taken_pos = 0;
  std::optional<boost::asio::io_context> io{std::in_place, 1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard{
      std::in_place, io->get_executor()};
};

namespace detail {

EventLoop* live_loop(EventLoop* loop, std::uint32_t id) noexcept {
  if (loop == running_loop && LoopInternals::id(*loop) == id) return loop;
  std::lock_guard lock(live_loops_mutex);
  auto it = live_loops().find(id);
  return it != live_loops().end() && it->second == loop ? loop : nullptr;
}

void note_blocked_on(EventLoop& loop, int delta) noexcept {
  loop.external_blocked_.fetch_add(delta, std::memory_order_relaxed);
  if (delta > 0) {
    try {
      loop.call_soon_threadsafe([] {});  // a loop waiting for this thread looks again
    } catch (const RuntimeError&) {
    }
  }
}

void check_loop_thread(const EventLoop* loop) {
  if (loop && loop->debug_ && loop->running_ && loop->thread_id_ != std::this_thread::get_id()) {
    throw RuntimeError(
        "Non-thread-safe operation invoked on an event loop other than the current one");
  }
}

EventLoop& require_running_loop() {
  if (!running_loop) throw RuntimeError("no running event loop");
  return *running_loop;
}

namespace {
// A Handle's callback: runs unless cancelled; the queue's (or heap's) reference is released.
void run_callback(ReadyNode* n, ReadyNode::Action a) {
  auto* cb = static_cast<CallbackBase*>(n);
  if (a == ReadyNode::Action::run && !cb->cancelled) {
    try {
      cb->invoke();
    } catch (...) {
      cb->loop->call_exception_handler(
          {"Exception in callback", std::current_exception(), "<Handle>"});
    }
  }
  cb->release();
}
}  // namespace

}  // namespace detail

// --- Handle ------------------------------------------------------------------------------

void Handle::cancel() noexcept {
  if (!node_ || node_->cancelled) return;
  node_->cancelled = true;
  if (node_->is_timer && node_->scheduled()) {
    node_->loop->timers_.erase(node_);
    node_->release();  // the heap's reference
  }
}

double TimerHandle::when() const noexcept {
  return node_ ? static_cast<double>(node_->when) / detail::kNanosecondsPerSecond : 0.0;
}

// --- EventLoop ---------------------------------------------------------------------------

EventLoop::EventLoop(RunOptions options)
    : impl_(std::make_unique<Impl>()),
      id_(next_loop_id.fetch_add(1)),
      coarse_slack_ns_(coarse_clock_slack_ns()),
      virtual_time_(options.virtual_time),
      debug_(options.debug) {
  if (debug_) detail::debug_loops.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(live_loops_mutex);
  live_loops()[id_] = this;
}

EventLoop::~EventLoop() {
  if (running_) {
    std::fputs("asyncio: an EventLoop was destroyed while running\n", stderr);
    std::abort();
  }
  closed_ = false;  // a closed loop may have gathered work since: drop it too
  teardown();
  {
    std::lock_guard lock(live_loops_mutex);
    live_loops().erase(id_);
  }
  if (debug_) detail::debug_loops.fetch_sub(1, std::memory_order_relaxed);
}

std::unique_ptr<EventLoop> new_event_loop(RunOptions options) {
  return std::make_unique<EventLoop>(options);
}

EventLoop& get_running_loop() {
  return detail::require_running_loop();
}

std::int64_t EventLoop::now_ns() const noexcept {
  if (virtual_time_) return virtual_now_.load(std::memory_order_relaxed);
  return std::chrono::duration_cast<duration>(clock::now().time_since_epoch()).count();
}

EventLoop::executor_type EventLoop::get_executor() noexcept {
  return executor_type(*this);
}

boost::asio::io_context& EventLoop::get_io_context() noexcept {
  return *impl_->io;
}

void EventLoop::remove_external_work() noexcept {
  external_pending_.fetch_sub(1, std::memory_order_relaxed);
  // Only virtual time waits for external work, and the loop's own thread is not waiting.
  if (!virtual_time_ || detail::running_loop == this) return;
  bool wake;
  {
    std::lock_guard lock(impl_->inbox_mutex);
    wake = claim_wake_locked();
  }
  if (wake) post_wake();
}

// Called with inbox_mutex held. Only a loop that blocks in the io_context (or is about to:
// see begin_sleep) needs a wake-up, and one is enough; a loop that is awake looks at the
// inbox before it blocks. True: the caller must post_wake() once it has released the lock
// (posting under it made the woken loop wait for the lock).
bool EventLoop::claim_wake_locked() noexcept {
  if (!impl_->sleeping || impl_->inbox_closed) return false;
  impl_->sleeping = false;
  impl_->posting.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void EventLoop::post_wake() noexcept {
  Impl* impl = impl_.get();
  try {
    boost::asio::post(*impl->io, [] {});  // run_one() returns: the loop looks again
  } catch (...) {
    std::lock_guard lock(impl->inbox_mutex);
    impl->sleeping = true;  // out of memory: the next call tries again
  }
  impl->posting.fetch_sub(1, std::memory_order_release);
}

// Before the loop blocks in the io_context: false when callbacks of other threads are
// waiting, or (`for_external_work`: virtual time waits for it) no other thread works for
// the loop any more; then it must not block. Otherwise the next callback, or the end of
// the external work, posts a wake-up (remove_external_work counts down before it looks).
bool EventLoop::begin_sleep(bool for_external_work) noexcept {
  std::lock_guard lock(impl_->inbox_mutex);
  if (inbox_pending_.load(std::memory_order_relaxed)) return false;
  if (for_external_work && !external_working()) return false;
  impl_->sleeping = true;
  return true;
}

bool EventLoop::external_working() const noexcept {
  return external_pending_.load(std::memory_order_relaxed) -
             external_blocked_.load(std::memory_order_relaxed) >
         0;
}

void EventLoop::end_sleep() noexcept {
  {
    std::lock_guard lock(impl_->inbox_mutex);
    impl_->sleeping = false;
  }
  // Woken by a thread's callback after a spin: would a longer spin have caught it?
  if (impl_->spin_started != detail::AdaptiveSpin::clock::time_point() &&
      inbox_pending_.load(std::memory_order_relaxed)) {
    impl_->spin.answered(std::exchange(impl_->spin_started, {}));
  }
}

// Whether it is worth watching the inbox for a while before blocking: a thread works for
// this loop (to_thread, run_in_executor), and its result is likely to come within
// microseconds. Gives whether something came.
bool EventLoop::spin_for_inbox(std::int64_t limit_ns) noexcept {
  if (!external_working()) return false;
  return impl_->spin(
      [this] { return inbox_pending_.load(std::memory_order_relaxed) || !external_working(); },
      impl_->spin_started, std::chrono::nanoseconds(limit_ns));
}

void EventLoop::check_callable_here() const {
  if (closed_) throw RuntimeError("Event loop is closed");
  detail::check_loop_thread(this);
}

void EventLoop::schedule_callback(detail::CallbackBase* node) {
  // Before the loop runs, call_soon_threadsafe and call_soon on one thread stay in order.
  if (!running_ && inbox_pending_.load(std::memory_order_relaxed)) drain_inbox_all();
  node->fn = &detail::run_callback;
  node->add_ref();  // the queue's reference
  ready_.push(node);
}

void EventLoop::add_timer(detail::TimerNode* node, std::int64_t when) {
  if (node->fn == nullptr) node->fn = &detail::run_callback;
  timers_.push(node, when);
}

// Python appends to `_ready` from any thread and wakes the selector. Here another thread
// appends to an inbox under a lock and wakes the loop through the io_context, once until the
// loop drains; the loop moves a bounded batch to the ready queue at the start of an iteration.
// The same lock orders a post against close(): it raises once the loop is closed, and never
// touches the io_context that close() destroys.
void EventLoop::post_threadsafe(detail::CallbackBase* node) {
  node->fn = &detail::run_callback;
  if (detail::running_loop == this) {
    ready_.push(node);
    return;
  }
  bool closed;
  bool wake = false;
  {
    std::lock_guard lock(impl_->inbox_mutex);
    closed = impl_->inbox_closed;
    if (!closed) {
      impl_->inbox.push_back(node);
      inbox_pending_.store(true, std::memory_order_relaxed);
      wake = claim_wake_locked();
    }
  }
  if (wake) post_wake();
  if (closed) {
    node->release();  // the queue's reference
    node->release();  // the handle's
    throw RuntimeError("Event loop is closed");
  }
}

// Moves up to `limit` callbacks of other threads to the ready queue, oldest first.
void EventLoop::drain_inbox(std::size_t limit) noexcept {
  Impl& im = *impl_;
  if (im.taken_pos == im.taken.size()) {
    im.taken.clear();
    im.taken_pos = 0;
    std::lock_guard lock(im.inbox_mutex);
    im.taken.swap(im.inbox);
    // Cleared under the lock: a post that comes after it sets the flag again.
    if (im.taken.empty()) {
      inbox_pending_.store(false, std::memory_order_relaxed);
      return;
    }
  }
  const std::size_t end =
      im.taken.size() - im.taken_pos <= limit ? im.taken.size() : im.taken_pos + limit;
  for (; im.taken_pos < end; ++im.taken_pos) ready_.push(im.taken[im.taken_pos]);
  // inbox_pending_ stays set: the next drain finds out whether more came.
}

void EventLoop::drain_inbox_all() noexcept {
  drain_inbox(SIZE_MAX);  // what is left of the last batch
  if (inbox_pending_.load(std::memory_order_relaxed)) drain_inbox(SIZE_MAX);  // and the inbox
}

void EventLoop::log(const std::string& message) noexcept {
  try {
    if (log_handler_) {
      log_handler_(message);
    } else {
      std::cerr << message << std::endl;
    }
  } catch (...) {
  }
}

void EventLoop::default_exception_handler(const ExceptionContext& context) {
  std::string text =
      context.message.empty() ? "Unhandled exception in event loop" : context.message;
  if (!context.object.empty()) {
    text += "\n";
    text += context.object.rfind("<Handle", 0) == 0 ? "handle: " : "future: ";
    text += context.object;
  }
  if (context.exception) text += "\nexception: " + format_exception(context.exception);
  log(text);
}

void EventLoop::call_exception_handler(const ExceptionContext& context) noexcept {
  try {
    if (exception_handler_) {
      try {
        exception_handler_(*this, context);
        return;
      } catch (...) {
        default_exception_handler(
            {"Unhandled error in exception handler", std::current_exception(), context.object});
        return;
      }
    }
    default_exception_handler(context);
  } catch (...) {
  }
}

void EventLoop::check_runnable() const {
  if (closed_) throw RuntimeError("Event loop is closed");
  if (running_) throw RuntimeError("This event loop is already running");
  if (detail::running_loop) {
    throw RuntimeError("Cannot run the event loop while another loop is running");
  }
}

void EventLoop::run_forever() {
  check_runnable();
  running_ = true;
  thread_id_ = std::this_thread::get_id();
  detail::running_loop = this;
  struct Reset {
    EventLoop* loop;
    ~Reset() {
      loop->stopping_ = false;
      loop->running_ = false;
      loop->thread_id_ = {};
      detail::running_loop = nullptr;
    }
  } reset{this};
  for (;;) {
    run_once();
    if (stopping_) break;
  }
}

// One iteration, as Python's _run_once: poll for I/O (when due), move expired timers to
// the ready queue, then run what was ready at that point.
void EventLoop::run_once() {
  // The common case, ready work and no poll due, costs no call and no atomic write.
  if (inbox_pending_.load(std::memory_order_relaxed)) drain_inbox(kInboxBatch);
  if (ready_.empty() || stopping_ || since_poll_ >= kPollBudget) poll_io();
  if (!timers_.empty()) {
    const std::int64_t end = now_ns();
    while (!timers_.empty() && timers_.top()->when <= end) ready_.push(timers_.pop());
  }
  run_ready_batch();
}

void EventLoop::poll_io() {
  auto& io = *impl_->io;
  if (!ready_.empty() || stopping_) {
    if (since_poll_ < kPollBudget && !stopping_) return;
    since_poll_ = 0;
    poll_some(io);
    return;
  }
  if (virtual_time_) {
    since_poll_ = 0;
    poll_virtual();
    return;
  }
  std::int64_t timeout = kMaxWaitNs + 1;  // none
  if (!timers_.empty() && timers_.top()->when != detail::kNever) {
    timeout = std::min(timers_.top()->when - now_ns(), kMaxWaitNs);
  }
  // What a thread hands back within microseconds is taken without a wake-up. I/O is polled
  // on the budget meanwhile, as when callbacks are ready.
  if (timeout > 0 && spin_for_inbox(timeout)) {
    drain_inbox(kInboxBatch);
    return;
  }
  since_poll_ = 0;
  if (timeout > 0 && begin_sleep()) {
    if (timeout <= kMaxWaitNs) {
      io.run_one_for(std::chrono::nanoseconds(timeout));
    } else {
      io.run_one();
    }
    end_sleep();
    // What the same wake-up made ready stays queued ahead of the reactor, and the next
    // run_one() takes it without a system call; polling now would add an epoll_wait.
    return;
  }
  poll_some(io);
}

// Nothing is ready: under virtual time, jump to the next timer unless something else can
// happen first, and when nothing at all can, say so instead of waiting forever.
void EventLoop::poll_virtual() {
  auto& io = *impl_->io;
  auto ready = [this] {
    if (inbox_pending_.load(std::memory_order_relaxed)) drain_inbox(kInboxBatch);
    return !ready_.empty() || stopping_;
  };
  poll_some(io);
  // Work running elsewhere (to_thread, another thread) is waited for in real time.
  // A thread blocked until this loop does something is not working: it is not waited for.
  while (!ready() && external_working()) {
    if (!spin_for_inbox(kMaxWaitNs) && begin_sleep(true)) {
      io.run_one();
      end_sleep();
    }
    poll_some(io);
  }
  if (ready()) return;
  if (!timers_.empty() && timers_.top()->when != detail::kNever) {
    // Nothing can happen before the next timer: jump to it.
    const std::int64_t next = timers_.top()->when;
    if (next > virtual_now_.load(std::memory_order_relaxed)) {
      virtual_now_.store(next, std::memory_order_relaxed);
    }
    return;
  }
  // Only Asio can still wake the loop: pending I/O, a raw Asio timer, a handler posted from
  // another thread. Without the work guard, run_one() waits for that work, or returns 0 at
  // once when there is none.
  impl_->guard.reset();
  std::size_t ran = 0;
  if (begin_sleep()) {
    ran = io.run_one();
    end_sleep();
  }
  if (io.stopped()) io.restart();
  impl_->guard.emplace(io.get_executor());
  if (ran != 0) {
    poll_some(io);
    return;
  }
  if (ready()) return;  // a post that came just after run_one() gave up
  throw RuntimeError(deadlock_report());
}

// Python has no such error (its loop would wait forever); under virtual time nothing else
// can end the wait, so the loop names who waits instead.
std::string EventLoop::deadlock_report() const {
  constexpr std::size_t kShown = 10;
  std::string text =
      "Deadlock: nothing can happen any more on this virtual-time loop (no callback is ready, "
      "no timer is set, no I/O or work of another thread is pending)";
  std::size_t waiting = 0;
  std::string names;
  for (const detail::TaskListNode& n : tasks_) {
    const auto* t = static_cast<const detail::TaskCore*>(&n);
    if (t->done()) continue;
    if (waiting++ < kShown) names += "\n  " + t->repr();
  }
  if (waiting == 0) return text + "; no task is waiting";
  text += "; " + std::to_string(waiting) + (waiting == 1 ? " task waits:" : " tasks wait:");
  text += names;
  if (waiting > kShown) text += "\n  ... and " + std::to_string(waiting - kShown) + " more";
  return text;
}

// Whether the next batch can start at once: as Python's next iteration would, when it
// would poll no I/O (budget), move no timer (none due), and stop() was not called. The
// order of callbacks is the same; only the round trip through run_forever is saved.
inline bool EventLoop::can_continue_batch() const noexcept {
  if (stopping_ || ready_.empty() || since_poll_ >= kPollBudget) return false;
  if (inbox_pending_.load(std::memory_order_relaxed)) return false;
  return timers_.empty() || !next_timer_due();
}

bool EventLoop::next_timer_due() const noexcept {
  const std::int64_t next = timers_.top()->when;
  if (virtual_time_) return next <= virtual_now_.load(std::memory_order_relaxed);
  // Reading the clock costs about as much as a hop, and a program nearly always has some
  // timer pending. A coarse clock, at most one tick behind, first rules out the usual case:
  // a timer that is not close to due. The answer is the same as the precise clock's.
  if (coarse_slack_ns_ >= 0 && coarse_clock_ns() + coarse_slack_ns_ < next) return false;
  return next <= now_ns();
}

void EventLoop::run_ready_batch() {
  if (!debug_) {
    std::uint32_t ran = since_poll_;  // in a register: callbacks cannot touch it
    do {
      detail::ReadyNode* n = ready_.take_all();
      while (n) {
        detail::ReadyNode* next = n->next;  // running n may queue it again
        n->fn(n, detail::ReadyNode::Action::run);
        n = next;
        ++ran;
      }
      since_poll_ = ran;
    } while (can_continue_batch());
    return;
  }
  detail::ReadyNode* n = ready_.take_all();
  while (n) {
    detail::ReadyNode* next = n->next;
    const auto t0 = clock::now();
    n->fn(n, detail::ReadyNode::Action::run);
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (dt >= slow_callback_duration) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " took %.3f seconds", dt);
      log("Executing " + (debug_last_step_.empty() ? std::string("<Handle>") : debug_last_step_) +
          buf);
    }
    debug_last_step_.clear();
    n = next;
    ++since_poll_;
  }
}

void EventLoop::close() {
  if (running_) throw RuntimeError("Cannot close a running event loop");
  if (closed_) return;
  teardown();
  closed_ = true;
  // Python: no more calls; the ones running finish, and the destructor joins them.
  if (default_executor_) default_executor_->shutdown(false);
}

// Drops everything still scheduled and destroys the coroutines of unfinished tasks, so that
// nothing leaks: Python leaves that to the garbage collector.
void EventLoop::teardown() {
  {
    // From now on call_soon_threadsafe raises, and no other thread touches the io_context.
    std::lock_guard lock(impl_->inbox_mutex);
    impl_->inbox_closed = true;
  }
  // A wake-up claimed before that may still be on its way into the io_context.
  while (impl_->posting.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  closing_ = true;
  EventLoop* prev = detail::running_loop;
  detail::running_loop = this;  // executors run teardown work inline on this thread
  auto drain = [this] {
    drain_inbox_all();
    bool progress = true;
    // Discarding work can queue more (a destroyed coroutine's handlers); a bound keeps a
    // pathological cycle from spinning forever.
    constexpr int kTeardownRounds = 1000;
    for (int round = 0; progress && round < kTeardownRounds; ++round) {
      progress = false;
      while (!ready_.empty()) {
        progress = true;
        for (detail::ReadyNode* n = ready_.take_all(); n;) {
          detail::ReadyNode* next = n->next;
          n->fn(n, detail::ReadyNode::Action::discard);
          n = next;
        }
      }
      if (!timers_.empty()) {
        progress = true;
        for (detail::TimerNode* t : timers_.take_all())
          t->fn(t, detail::ReadyNode::Action::discard);
      }
      // Tasks parked in an asyncio wait: unwinding the coroutine releases everything.
      std::vector<detail::Ref<detail::TaskCore>> parked;
      for (detail::TaskListNode& n : tasks_) {
        auto* t = static_cast<detail::TaskCore*>(&n);
        if (t->fut_waiter()) parked.push_back(detail::Ref<detail::TaskCore>(t));
      }
      for (auto& t : parked) {
        if (detail::Waiter* w = t->take_fut_waiter()) {
          progress = true;
          w->fn(w, detail::ReadyNode::Action::discard);
        }
      }
    }
  };
  drain();
  if (impl_->io) {
    impl_->guard.reset();
    impl_->io.reset();  // destroys pending Asio handlers, and with them suspended coroutines
  }
  drain();
  // What other threads would have handed back (their callbacks are dropped now).
  external_holds_.clear_and_dispose([](detail::ExternalHold* h) { delete h; });
  // Whatever is still registered can never run again.
  while (!tasks_.empty()) static_cast<detail::TaskCore&>(tasks_.front()).abandon();
  detail::running_loop = prev;
  closing_ = false;
}

}  // namespace asyncio
