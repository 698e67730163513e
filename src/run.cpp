#include <asyncio/run.hpp>

#include <cstddef>
#include <sstream>

namespace asyncio {

namespace {
// Python: asyncio.runners._cancel_all_tasks.
void cancel_all_tasks(EventLoop& loop) {
  std::vector<AnyTask> to_cancel = all_tasks(loop);
  if (to_cancel.empty()) return;
  {
    detail::BulkCancel bulk;  // linear in the number of tasks, even for long await chains
    for (AnyTask& t : to_cancel) t.cancel();
  }
  Future<void> all_done(loop);
  std::size_t remaining = to_cancel.size();
  for (AnyTask& t : to_cancel) {
    t.add_done_callback([&remaining, all_done](AnyTask) mutable {
      if (--remaining == 0) all_done.set_result();
    });
  }
  loop.run_until_complete(all_done);
  for (AnyTask& t : to_cancel) {
    if (t.cancelled()) continue;
    if (std::exception_ptr e = t.exception()) {
      std::ostringstream repr;
      repr << t;
      loop.call_exception_handler(
          {"unhandled exception during asyncio.run() shutdown", e, repr.str()});
    }
  }
}
}  // namespace

EventLoop& Runner::get_loop() {
  if (closed_) throw RuntimeError("Runner is closed");
  if (!loop_) loop_ = std::make_unique<EventLoop>(options_);
  return *loop_;
}

void Runner::prepare_run() {
  if (detail::running_loop) {
    throw RuntimeError("Runner.run() cannot be called from a running event loop");
  }
  get_loop();
}

// The closed loop is kept until the Runner is destroyed: a handle from get_loop() still
// answers is_closed().
void Runner::close() {
  if (closed_) return;
  closed_ = true;
  if (!loop_) return;
  try {
    cancel_all_tasks(*loop_);
    loop_->run_until_complete(loop_->shutdown_default_executor());
  } catch (...) {
    loop_->close();
    throw;
  }
  loop_->close();
}

}  // namespace asyncio
