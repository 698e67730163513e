#pragma once
/// Umbrella header: Python's asyncio for C++, on Boost.Asio.

#include <asyncio/awaitable.hpp>
#include <asyncio/barrier.hpp>
#include <asyncio/concurrent_future.hpp>
#include <asyncio/condition.hpp>
#include <asyncio/delay.hpp>
#include <asyncio/ensure_future.hpp>
#include <asyncio/event.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/held.hpp>
#include <asyncio/lock.hpp>
#include <asyncio/operation.hpp>
#include <asyncio/queue.hpp>
#include <asyncio/run.hpp>
#include <asyncio/semaphore.hpp>
#include <asyncio/shield.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/task_group.hpp>
#include <asyncio/thread_pool_executor.hpp>
#include <asyncio/threads.hpp>
#include <asyncio/timeout.hpp>
#include <asyncio/wait.hpp>
