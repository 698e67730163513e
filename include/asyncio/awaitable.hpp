#pragma once
/// `awaitable<T>`: the coroutine type of asyncio-cpp. Python: `async def f() -> T`.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asyncio {

/// A coroutine returning `T`: `asyncio::awaitable<int> f() { co_return 1; }`.
/// Python: `async def f() -> int`.
///
/// It is Asio's own `boost::asio::awaitable<T>`, so any Asio operation can be awaited inside
/// (`co_await timer.async_wait(asyncio::use_awaitable)`), and any asyncio awaitable (Task,
/// Future, sleep, ...) can be awaited inside Asio code. Like a Python coroutine, it does not
/// run until it is awaited or wrapped in a Task.
template <typename T = void>
using awaitable = boost::asio::awaitable<T>;

/// Completion token that turns an Asio operation into an `awaitable`.
inline constexpr boost::asio::use_awaitable_t<> use_awaitable{};

namespace this_coro = boost::asio::this_coro;

}  // namespace asyncio
