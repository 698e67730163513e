#include <asyncio/stream_writer.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/sleep.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <ostream>
#include <sstream>
#include <utility>

#include "stream_state.hpp"

namespace asyncio {

namespace detail {

namespace net = boost::asio;

namespace {

// Python's transports warn once a closed connection has been written to this many times.
constexpr int kLogThreshold = 5;

// Completes the futures of `waiters`: with `error`, or a result.
void wake_all(std::vector<Future<void>>& waiters, const std::exception_ptr& error) noexcept {
  for (Future<void>& w : waiters) {
    if (w.done()) continue;  // its awaiter was cancelled
    if (error) {
      w.set_exception(error);
    } else {
      w.set_result();
    }
  }
  waiters.clear();
}

}  // namespace

StreamState::~StreamState() {
  detach_from_server();
}

void StreamState::attach(Socket s) {
  boost::system::error_code ec;
  s.non_blocking(true, ec);  // write() sends at once what the socket takes
  if (auto local = s.local_endpoint(ec); !ec) sockname = to_address(local);
  if (auto remote = s.remote_endpoint(ec); !ec) peername = to_address(remote);
  // Python sets TCP_NODELAY on every TCP transport.
  if (sockname.family != Address::Family::local) s.set_option(net::ip::tcp::no_delay(true), ec);
  socket.emplace(std::move(s));
}

void StreamState::wake_reader() noexcept {
  if (waiter && !waiter->done()) waiter->set_result();
}

void StreamState::force_close(std::exception_ptr error) noexcept {
  if (conn_lost != 0) return;
  pending.clear();  // what is in flight is abandoned when the socket closes
  closing = true;
  ++conn_lost;
  try {
    loop->call_soon([self = shared_from_this(), error] { self->connection_lost(error); });
  } catch (...) {
    connection_lost(error);  // the loop is closing: nothing runs later
  }
}

void StreamState::connection_lost(std::exception_ptr error) noexcept {
  if (closed) return;
  closed = true;
  closing = true;
  if (conn_lost == 0) conn_lost = 1;  // later writes are dropped
  lost_error = error;
  // Python: StreamReaderProtocol.connection_lost: EOF for the reader, or the error.
  if (error) {
    exception = error;
  } else {
    eof = true;
  }
  if (waiter && !waiter->done()) {
    if (error) {
      waiter->set_exception(error);
    } else {
      waiter->set_result();
    }
  }
  wake_all(close_waiters, error);
  wake_all(drain_waiters, error);
  boost::system::error_code ignored;
  if (socket && !error) {
    // Python's transport reads ahead (up to twice the limit), so a connection closed with a
    // little unread input ends with FIN; bytes left in the kernel would make it a reset.
    const std::size_t unread = socket->available(ignored);
    if (unread != 0 && unread <= 2 * limit && !ignored) {
      const std::span<char> space = buffer.prepare(unread);
      buffer.commit(socket->receive(net::buffer(space.data(), unread), 0, ignored));
    }
  }
  if (socket) socket->close(ignored);  // pending operations complete as aborted
  detach_from_server();
}

void StreamState::start_write() {
  if (writing || closed || pending.empty()) return;
  inflight.swap(pending);
  pending.clear();
  inflight_sent = 0;
  writing = true;
  send_inflight();
}

void StreamState::send_inflight() {
  socket->async_write_some(
      net::buffer(inflight.data() + inflight_sent, inflight.size() - inflight_sent),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->on_written(ec, n);
      });
}

// Python: `_SelectorSocketTransport._write_ready`.
void StreamState::on_written(const boost::system::error_code& ec, std::size_t n) {
  if (closed) return;  // aborted by connection_lost
  if (ec) {
    force_close(make_os_error(ec, "Write to " + to_string(peername) + " failed"));
    return;
  }
  inflight_sent += n;
  if (inflight_sent < inflight.size()) {
    send_inflight();
    return;
  }
  inflight.clear();
  inflight_sent = 0;
  writing = false;
  start_write();
  maybe_resume_writing();
  if (writing) return;
  if (closing) {
    connection_lost(nullptr);
  } else if (eof_requested) {
    boost::system::error_code ignored;
    socket->shutdown(Socket::shutdown_send, ignored);
  }
}

void StreamState::maybe_resume_writing() noexcept {
  if (paused && write_buffer_size() <= low_water) {
    paused = false;
    wake_all(drain_waiters, nullptr);
  }
}

void StreamState::detach_from_server() noexcept {
  if (!server) return;
  server_hook.unlink();
  std::shared_ptr<ServerState> s = std::move(server);
  s->maybe_wake();
}

namespace {

using Ptr = std::shared_ptr<StreamState>;

// Python: `StreamWriter.drain` and `FlowControlMixin._drain_helper`.
awaitable<void> drain(Ptr s) {
  if (s->exception) std::rethrow_exception(s->exception);
  if (s->closing && !s->closed) {
    // Let connection_lost run first, as Python does.
    co_await sleep(0);
  }
  if (s->closed) {
    throw ConnectionResetError(std::make_error_code(std::errc::connection_reset),
                               "Connection lost");
  }
  if (!s->paused) co_return;
  Future<void> waiter = s->loop->create_future<void>();
  s->drain_waiters.push_back(waiter);
  co_await waiter;
}

awaitable<void> wait_closed(Ptr s) {
  if (!s->closed) {
    Future<void> waiter = s->loop->create_future<void>();
    s->close_waiters.push_back(waiter);
    co_await waiter;
    co_return;
  }
  if (s->lost_error) std::rethrow_exception(s->lost_error);
}

}  // namespace

}  // namespace detail

StreamWriter::StreamWriter(std::shared_ptr<detail::StreamState> state) noexcept
    : state_(std::move(state)) {}

void StreamWriter::write(std::string_view data) {
  detail::StreamState& s = *state_;
  if (s.eof_requested) throw RuntimeError("Cannot call write() after write_eof()");
  if (data.empty()) return;
  if (s.conn_lost != 0) {
    if (++s.conn_lost == detail::kLogThreshold + 1) s.loop->log("socket.send() raised exception.");
    return;
  }
  if (!s.writing) {
    // Nothing buffered: send at once what the socket takes.
    boost::system::error_code ec;
    std::size_t n = s.socket->send(boost::asio::buffer(data.data(), data.size()), 0, ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
      n = 0;
    } else if (ec) {
      s.force_close(detail::make_os_error(ec, "Write to " + to_string(s.peername) + " failed"));
      return;
    }
    data.remove_prefix(n);
    if (data.empty()) return;
  }
  s.pending.append(data);
  s.start_write();
  if (s.write_buffer_size() > s.high_water) s.paused = true;  // Python: pause_writing()
}

awaitable<void> StreamWriter::drain() {
  return detail::drain(state_);
}

void StreamWriter::write_eof() {
  detail::StreamState& s = *state_;
  if (s.closing || s.eof_requested) return;
  s.eof_requested = true;
  if (!s.writing) {
    boost::system::error_code ignored;
    s.socket->shutdown(detail::Socket::shutdown_send, ignored);
  }
}

bool StreamWriter::can_write_eof() const noexcept {
  return true;
}

void StreamWriter::close() {
  detail::StreamState& s = *state_;
  if (s.closing) return;
  s.closing = true;
  if (s.writing) return;  // connection_lost runs once the buffer is sent
  ++s.conn_lost;
  auto self = state_;
  s.loop->call_soon([self] { self->connection_lost(nullptr); });
}

bool StreamWriter::is_closing() const noexcept {
  return state_->closing;
}

awaitable<void> StreamWriter::wait_closed() {
  return detail::wait_closed(state_);
}

Address StreamWriter::get_extra_info(std::string_view name) const {
  if (name == "peername") return state_->peername;
  if (name == "sockname") return state_->sockname;
  throw ValueError("get_extra_info: unknown name '" + std::string(name) +
                   "' (known: 'peername', 'sockname')");
}

void StreamWriter::abort() {
  state_->force_close(nullptr);
}

std::size_t StreamWriter::get_write_buffer_size() const noexcept {
  return state_->write_buffer_size();
}

void StreamWriter::set_write_buffer_limits(std::optional<std::int64_t> high,
                                           std::optional<std::int64_t> low) {
  const std::int64_t h = high ? *high : (low ? 4 * *low : 64 * 1024);
  const std::int64_t l = low ? *low : h / 4;
  if (!(h >= l && l >= 0)) {
    throw ValueError("high (" + std::to_string(h) + ") must be >= low (" + std::to_string(l) +
                     ") must be >= 0");
  }
  detail::StreamState& s = *state_;
  s.high_water = static_cast<std::size_t>(h);
  s.low_water = static_cast<std::size_t>(l);
  if (s.write_buffer_size() > s.high_water) s.paused = true;
  s.maybe_resume_writing();
}

std::ostream& operator<<(std::ostream& out, const StreamWriter& writer) {
  const detail::StreamState& s = *writer.state_;
  out << "<StreamWriter transport=" << s.peername;
  if (s.closed) {
    out << " closed";
  } else if (s.closing) {
    out << " closing";
  }
  if (const std::size_t n = s.write_buffer_size(); n != 0) out << " bufsize=" << n;
  return out << '>';
}

}  // namespace asyncio
