#pragma once
/// Umbrella header: Python's asyncio for C++, on Boost.Asio.

#include <asyncio/awaitable.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/run.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
