#pragma once
/// Connections as reader/writer pairs. Python: `asyncio.streams` (`open_connection`,
/// `start_server`, `open_unix_connection`, `start_unix_server`).

#include <asyncio/address.hpp>
#include <asyncio/awaitable.hpp>
#include <asyncio/server.hpp>
#include <asyncio/stream_reader.hpp>
#include <asyncio/stream_writer.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace asyncio {

/// Options of `open_connection` and `open_unix_connection`.
struct ConnectOptions {
  std::size_t limit = kDefaultStreamLimit;  ///< Python: `limit=`, the reader's buffer limit
};

/// Options of `start_server` and `start_unix_server`.
struct ServerOptions {
  std::size_t limit = kDefaultStreamLimit;  ///< each connection's reader's buffer limit
  int backlog = 100;                        ///< Python: `backlog=100`
  bool reuse_address = true;                ///< Python: `reuse_address` (default on POSIX: on)
  bool start_serving = true;                ///< Python: `start_serving=True`
};

/// Python: `client_connected_cb(reader, writer)`, a coroutine function. Run as a task per
/// connection; an exception escaping it goes to the loop's exception handler
/// ("Unhandled exception in client_connected_cb"), closes that connection, and does not stop
/// the server.
using ClientConnected = std::function<awaitable<void>(StreamReader, StreamWriter)>;

/// Python: `await asyncio.open_connection(host, port)`. `host` is an IPv4 or IPv6 address or
/// a name, resolved with Asio's resolver; each address is tried in turn.
/// Throws: `ConnectionRefusedError` and the rest of the `OSError` family, naming the address;
/// `OSError` when the name does not resolve.
awaitable<std::pair<StreamReader, StreamWriter>> open_connection(std::string host,
                                                                 std::uint16_t port,
                                                                 ConnectOptions options = {});

/// Python: `await asyncio.start_server(cb, host, port)`. An empty `host` listens on every
/// interface (IPv4 and IPv6); port 0 takes a free port (`server.port()`). The server keeps
/// `cb` (and a lambda's captures) while it lives. With g++ 12, build a lambda with captures
/// in a statement of its own, not inside the `co_await` expression (see docs/porting.md).
/// Throws: `OSError` (e.g. address in use), naming the address.
awaitable<Server> start_server(ClientConnected client_connected_cb, std::string host,
                               std::uint16_t port, ServerOptions options = {});

/// Python: `await asyncio.open_unix_connection(path)`.
/// Throws: `FileNotFoundError` when nothing is at `path`, `ConnectionRefusedError` when
/// nobody listens there.
awaitable<std::pair<StreamReader, StreamWriter>> open_unix_connection(std::string path,
                                                                      ConnectOptions options = {});

/// Python: `await asyncio.start_unix_server(cb, path)`. A stale socket file at `path` is
/// replaced, and the file is removed when the server closes (Python 3.13's `cleanup_socket`).
awaitable<Server> start_unix_server(ClientConnected client_connected_cb, std::string path,
                                    ServerOptions options = {});

}  // namespace asyncio
