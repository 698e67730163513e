#pragma once
// The state a connection's StreamReader and StreamWriter share, and a Server's. Private to
// the library's sources: it is where Asio's sockets live, out of the public headers.

#include <asyncio/event_loop.hpp>
#include <asyncio/future.hpp>
#include <asyncio/server.hpp>
#include <asyncio/stream_reader.hpp>
#include <asyncio/stream_writer.hpp>
#include <asyncio/streams.hpp>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/intrusive/list.hpp>

#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace asyncio::detail {

using Protocol = boost::asio::generic::stream_protocol;  // TCP over IPv4/IPv6, or Unix
using Socket = Protocol::socket;
using Endpoint = Protocol::endpoint;
using Acceptor = boost::asio::basic_socket_acceptor<Protocol>;

/// Python: `socket.getsockname()`'s and `getpeername()`'s tuple for an endpoint.
Address to_address(const Endpoint& endpoint);

/// The exception `raise_os_error(code, what)` throws.
std::exception_ptr make_os_error(std::error_code code, const std::string& what);

/// Throws the CancelledError the running task was cancelled with (with its message): an
/// Asio operation of the stream was aborted by `task.cancel()`.
[[noreturn]] void raise_cancelled();

/// Whether `task.cancel()` reached the running task since it had `cancels_before` requests,
/// without reaching the Asio operation it awaited: the operation had completed already, its
/// completion still queued. Asio then has nothing to cancel, and the task must raise itself.
bool cancel_missed_operation(int cancels_before) noexcept;
/// The running task's `cancelling()` (0 outside a task).
int current_cancelling() noexcept;

/// Bytes read and not yet consumed. Unlike std::string, it grows without zero-filling, so
/// a socket reads straight into its free tail, and consuming from the front is O(1).
class ByteBuffer {
 public:
  std::size_t size() const noexcept { return end_ - begin_; }
  bool empty() const noexcept { return begin_ == end_; }
  std::string_view view() const noexcept { return {data_.get() + begin_, size()}; }

  /// At least `n` writable bytes after the data; `commit` what was written there.
  std::span<char> prepare(std::size_t n);
  void commit(std::size_t n) noexcept { end_ += n; }
  void append(std::string_view bytes);

  void consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  /// The first `n` bytes, removed.
  std::string take(std::size_t n);
  void clear() noexcept { begin_ = end_ = 0; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t capacity_ = 0;
};

struct ServerState;

/// One connection (or a hand-fed reader): Python's transport, StreamReaderProtocol and
/// StreamReader in one.
struct StreamState : std::enable_shared_from_this<StreamState> {
  StreamState(EventLoop* loop, std::size_t limit) : loop(loop), limit(limit) {}
  ~StreamState();
  StreamState(const StreamState&) = delete;
  StreamState& operator=(const StreamState&) = delete;

  EventLoop* loop;  // null for a hand-fed reader until it first waits
  std::size_t limit;

  // --- reading (Python: StreamReader) ---
  ByteBuffer buffer;
  bool eof = false;
  std::exception_ptr exception;
  bool waiting = false;                // a coroutine waits for data (Python: `_waiter`)
  int cancels_at_read = 0;             // the reading task's cancelling() when it began
  std::optional<Future<void>> waiter;  // ... for a hand-fed reader

  // --- the connection (Python: the transport) ---
  std::optional<Socket> socket;
  Address sockname;
  Address peername;
  bool closing = false;  // close() or abort() was called, or the connection was lost
  bool closed = false;   // connection_lost ran: the socket is closed
  int conn_lost = 0;
  std::exception_ptr lost_error;  // why the connection was lost, if by an error

  // --- writing ---
  std::string inflight;  // what the background write is sending (Asio holds a pointer into it)
  std::size_t inflight_sent = 0;
  std::string pending;  // written since, waiting for the background write
  bool writing = false;
  bool eof_requested = false;
  std::size_t high_water = 64 * 1024;
  std::size_t low_water = 16 * 1024;
  bool paused = false;  // above the high-water mark: drain waits
  std::vector<Future<void>> drain_waiters;
  std::vector<Future<void>> close_waiters;

  // --- the server that accepted it ---
  std::shared_ptr<ServerState> server;
  boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>
      server_hook;

  std::size_t write_buffer_size() const noexcept {
    return inflight.size() - inflight_sent + pending.size();
  }
  bool has_socket() const noexcept { return socket.has_value() && !closed; }

  /// Connects the state to a freshly connected or accepted socket.
  void attach(Socket s);
  /// Python: `feed_data`/`feed_eof`/`set_exception`: wake the reader waiting for data.
  void wake_reader() noexcept;
  /// Python: `_SelectorTransport._force_close` / `_fatal_error`.
  void force_close(std::exception_ptr error) noexcept;
  /// Python: `_call_connection_lost`, run soon after the close was decided.
  void connection_lost(std::exception_ptr error) noexcept;
  void start_write();
  void send_inflight();  // the unsent rest of `inflight`, in the background
  void on_written(const boost::system::error_code& ec, std::size_t n);
  void maybe_resume_writing() noexcept;
  void detach_from_server() noexcept;
};

using ServerClients = boost::intrusive::list<
    StreamState,
    boost::intrusive::member_hook<StreamState, decltype(StreamState::server_hook),
                                  &StreamState::server_hook>,
    boost::intrusive::constant_time_size<false>>;

/// Python: `asyncio.base_events.Server`.
struct ServerState : std::enable_shared_from_this<ServerState> {
  ServerState(EventLoop* loop, ClientConnected cb, ServerOptions options)
      : loop(loop), cb(std::move(cb)), options(options) {}
  ~ServerState();

  EventLoop* loop;
  ClientConnected cb;
  ServerOptions options;
  std::vector<Acceptor> acceptors;
  std::vector<Address> addresses;
  std::string unix_path;  // removed on close (Python 3.13: cleanup_socket)
  std::uint64_t unix_inode = 0;
  bool closed = false;
  bool serving = false;
  ServerClients clients;
  std::vector<Future<void>> close_waiters;  // Python: `_waiters`
  bool woken = false;                       // Python: `_waiters is None`
  std::optional<Future<void>> serving_forever;

  void start_serving();
  void accept(std::size_t index);
  void on_accept(std::size_t index, const boost::system::error_code& ec, Socket socket);
  void close() noexcept;
  void maybe_wake() noexcept;  // Python: `_detach` / `_wakeup`
  /// The connections, held: closing one detaches it from `clients`.
  std::vector<std::shared_ptr<StreamState>> snapshot_clients();
};

/// The library's access to the handles' private parts.
struct StreamAccess {
  static StreamReader reader(std::shared_ptr<StreamState> s) noexcept {
    return StreamReader(std::move(s));
  }
  static StreamWriter writer(std::shared_ptr<StreamState> s) noexcept {
    return StreamWriter(std::move(s));
  }
  static Server server(std::shared_ptr<ServerState> s) noexcept { return Server(std::move(s)); }
};

}  // namespace asyncio::detail
