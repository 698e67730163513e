// Tutorial 3.0, in words: gather is "not great with error handling"; TaskGroup cancels the
// other tasks when one fails. The same failing job under each.
#include "tutorial.hpp"

// A job that fails after `seconds`.
asyncio::awaitable<tutorial::Data> fail_after(int id, double seconds) {
  std::cout << "Coroutine " << id << " starting, will fail.\n";
  co_await asyncio::sleep(seconds);
  throw std::runtime_error("coroutine " + std::to_string(id) + " failed");
}

// A job that reports whether it finished or was cancelled.
asyncio::awaitable<tutorial::Data> slow_job(int id, double seconds) {
  try {
    co_return co_await tutorial::fetch_data(id, seconds);
  } catch (const asyncio::CancelledError&) {
    std::cout << "Coroutine " << id << " was cancelled.\n";
    throw;
  }
}

// gather: the first error reaches the caller at once, but the other job keeps running in
// the background, unsupervised.
asyncio::awaitable<void> with_gather() {
  auto other = asyncio::create_task(slow_job(2, 3));
  try {
    co_await asyncio::gather(fail_after(1, 1), other);
  } catch (const std::exception& e) {
    std::cout << "gather raised: " << e.what() << '\n';
  }
  std::cout << "coroutine 2 still running after the error: " << std::boolalpha << !other.done()
            << '\n';
  std::cout << "Received result: " << co_await other << '\n';
}

// TaskGroup: the error cancels the other job, and every error comes out together.
asyncio::awaitable<void> with_task_group() {
  try {
    co_await asyncio::task_group([](asyncio::TaskGroup& tg) -> asyncio::awaitable<void> {
      tg.create_task(fail_after(1, 1));
      tg.create_task(slow_job(2, 3));
      co_return;
    });
  } catch (const asyncio::ExceptionGroup& eg) {
    std::cout << "TaskGroup raised: " << eg.what() << '\n';
    for (const auto& e : eg.exceptions()) {
      std::cout << "  " << asyncio::format_exception(e) << '\n';
    }
  }
}

int main(int argc, char** argv) {
  const auto options = tutorial::options(argc, argv);
  std::cout << "== gather\n";
  tutorial::timed_run(with_gather(), options);
  std::cout << "== TaskGroup\n";
  tutorial::timed_run(with_task_group(), options);
}
