// Tutorial 5.0, Event: one coroutine waits until another sets the flag (ran in 2 s).
#include "tutorial.hpp"

// Python: async def waiter(event)
asyncio::awaitable<void> waiter(asyncio::Event& event) {
  std::cout << "waiting for the event to be set\n";
  co_await event.wait();
  std::cout << "event has been set, continuing execution\n";
}

// Python: async def setter(event)
asyncio::awaitable<void> setter(asyncio::Event& event) {
  co_await asyncio::sleep(2);  // Simulate doing some work
  event.set();
  std::cout << "event has been set!\n";
}

asyncio::awaitable<void> main_coroutine() {
  asyncio::Event event;
  co_await asyncio::gather(waiter(event), setter(event));
}

int main(int argc, char** argv) {
  tutorial::timed_run(main_coroutine(), tutorial::options(argc, argv));
}
