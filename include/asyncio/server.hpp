#pragma once
/// `Server`: listening sockets and their connections. Python: `asyncio.Server`.

#include <asyncio/address.hpp>
#include <asyncio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace asyncio {

namespace detail {
struct ServerState;
struct StreamAccess;
}  // namespace detail

/// What `start_server` and `start_unix_server` return. A cheap handle: copies share the
/// server. A server that is never closed accepts until its loop closes.
/// Threads: the loop's thread only.
class Server {
 public:
  /// Python: `close()`: stop listening; the connections stay open. Idempotent.
  void close();
  /// Python 3.12+: `await wait_closed()`: until the server is closed and every connection
  /// it accepted is closed.
  awaitable<void> wait_closed();
  /// Python 3.13: `close_clients()`: close every connection (after sending what it buffers).
  void close_clients();
  /// Python 3.13: `abort_clients()`: close every connection at once.
  void abort_clients();

  /// Python: `is_serving()`: accepting connections.
  bool is_serving() const noexcept;
  /// Python: `await start_serving()`: accept connections (for `start_serving = false`).
  /// Throws: `RuntimeError` if the server is closed.
  awaitable<void> start_serving();
  /// Python: `await serve_forever()`: accept until cancelled; then close the server and wait
  /// until it is closed.
  /// Throws: `RuntimeError` if already serving forever or closed.
  awaitable<void> serve_forever();

  /// Python: `[s.getsockname() for s in server.sockets]`: the bound addresses (the real
  /// port when 0 was asked). Empty once closed.
  std::vector<Address> sockets() const;
  /// The port of the first socket: what a server started on port 0 listens on.
  /// Throws: `RuntimeError` for a Unix socket server or a closed server.
  std::uint16_t port() const;

 private:
  friend struct detail::StreamAccess;
  explicit Server(std::shared_ptr<detail::ServerState> state) noexcept;

  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace asyncio
