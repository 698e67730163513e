#include <asyncio/task.hpp>

#include <vector>

namespace asyncio {

namespace detail {

void run_until_done(EventLoop& loop, FutureCore& core) {
  if (loop.is_closed()) throw RuntimeError("Event loop is closed");
  if (core.loop_unchecked() != &loop) {
    throw ValueError(
        "The future belongs to a different loop than the one specified as the loop argument");
  }
  Ref<FutureCore> keep(&core);
  auto stop = [&loop] { loop.stop(); };
  std::uint64_t id =
      core.add_callback_node(new DoneCallback<decltype(stop)>(std::move(stop), &core));
  try {
    loop.run_forever();
  } catch (...) {
    core.remove_done_callback(id);
    throw;
  }
  core.remove_done_callback(id);
  if (!core.done()) throw RuntimeError("Event loop stopped before Future completed.");
}

}  // namespace detail

AnyTask current_task() {
  EventLoop& loop = detail::require_running_loop();
  detail::TaskCore* t = detail::LoopInternals::current_task(loop);
  return detail::HandleAccess::adopt<AnyTask>(detail::Ref<detail::TaskCore>(t));
}

std::vector<AnyTask> all_tasks(EventLoop& loop) {
  std::vector<AnyTask> out;
  for (detail::TaskListNode& n : detail::LoopInternals::tasks(loop)) {
    auto* t = static_cast<detail::TaskCore*>(&n);
    if (!t->done())
      out.push_back(detail::HandleAccess::adopt<AnyTask>(detail::Ref<detail::TaskCore>(t)));
  }
  return out;
}

std::vector<AnyTask> all_tasks() {
  return all_tasks(detail::require_running_loop());
}

}  // namespace asyncio
