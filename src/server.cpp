#include <asyncio/server.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/error.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <utility>

#include "stream_state.hpp"

namespace asyncio {

namespace detail {

namespace {

// Python: how long accepting pauses after running out of descriptors (ACCEPT_RETRY_DELAY).
constexpr double kAcceptRetryDelay = 1.0;

// Python: StreamReaderProtocol's handling of `client_connected_cb`'s task.
awaitable<void> run_client(std::shared_ptr<ServerState> server, StreamReader reader,
                           StreamWriter writer) {
  std::exception_ptr error;
  try {
    co_await server->cb(reader, writer);
  } catch (const CancelledError&) {
    writer.close();
    throw;
  } catch (...) {
    error = std::current_exception();
  }
  if (error) {
    std::ostringstream object;
    object << writer;
    server->loop->call_exception_handler(
        {"Unhandled exception in client_connected_cb", error, object.str()});
    writer.close();
  }
}

}  // namespace

ServerState::~ServerState() {
  close();
}

void ServerState::start_serving() {
  if (serving || closed) return;
  serving = true;
  for (std::size_t i = 0; i < acceptors.size(); ++i) accept(i);
}

void ServerState::accept(std::size_t index) {
  acceptors[index].async_accept(
      [self = shared_from_this(), index](const boost::system::error_code& ec, Socket socket) {
        self->on_accept(index, ec, std::move(socket));
      });
}

void ServerState::on_accept(std::size_t index, const boost::system::error_code& ec, Socket socket) {
  if (closed) return;  // the socket, if any, closes here
  if (ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    // Python: out of descriptors and the like is reported, and accepting pauses a while.
    loop->call_exception_handler({"socket.accept() out of system resource",
                                  make_os_error(ec, "accept on " + to_string(addresses[index])),
                                  {}});
    loop->call_later(kAcceptRetryDelay, [self = shared_from_this(), index] {
      if (!self->closed) self->accept(index);
    });
    return;
  }
  auto state = std::make_shared<StreamState>(loop, options.limit);
  state->attach(std::move(socket));
  state->server = shared_from_this();
  clients.push_back(*state);
  loop->create_task(
      run_client(shared_from_this(), StreamAccess::reader(state), StreamAccess::writer(state)));
  accept(index);
}

void ServerState::close() noexcept {
  if (closed) return;
  closed = true;
  serving = false;
  boost::system::error_code ignored;
  for (Acceptor& a : acceptors) a.close(ignored);  // pending accepts complete as aborted
  addresses.clear();
  if (!unix_path.empty()) {
    // Python 3.13 (cleanup_socket): remove the file unless another server replaced it.
    struct stat st {};
    if (::stat(unix_path.c_str(), &st) == 0 && st.st_ino == unix_inode) {
      ::unlink(unix_path.c_str());
    }
  }
  if (serving_forever && !serving_forever->done()) serving_forever->cancel();
  serving_forever.reset();
  maybe_wake();
}

void ServerState::maybe_wake() noexcept {
  if (!closed || !clients.empty() || woken || loop->is_closed()) return;
  woken = true;
  for (Future<void>& w : close_waiters) {
    if (!w.done()) w.set_result();
  }
  close_waiters.clear();
}

std::vector<std::shared_ptr<StreamState>> ServerState::snapshot_clients() {
  std::vector<std::shared_ptr<StreamState>> held;
  for (StreamState& c : clients) held.push_back(c.shared_from_this());
  return held;
}

namespace {

using Ptr = std::shared_ptr<ServerState>;

awaitable<void> wait_closed(Ptr s) {
  if (s->woken) co_return;
  Future<void> waiter = s->loop->create_future<void>();
  s->close_waiters.push_back(waiter);
  co_await waiter;
}

awaitable<void> start_serving(Ptr s) {
  if (s->closed) throw RuntimeError("server is closed");
  s->start_serving();
  co_await sleep(0);  // Python: one iteration, so that accepting has begun
}

awaitable<void> serve_forever(Ptr s) {
  if (s->serving_forever) {
    throw RuntimeError("server is already being awaited on serve_forever()");
  }
  if (s->closed) throw RuntimeError("server is closed");
  s->start_serving();
  Future<void> forever = s->loop->create_future<void>();
  s->serving_forever = forever;
  std::exception_ptr cancelled;
  try {
    co_await forever;
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
  }
  s->serving_forever.reset();
  // Python: close, wait until closed, and re-raise the cancellation.
  s->close();
  try {
    co_await wait_closed(s);
  } catch (...) {
  }
  std::rethrow_exception(cancelled);
}

}  // namespace

}  // namespace detail

Server::Server(std::shared_ptr<detail::ServerState> state) noexcept : state_(std::move(state)) {}

void Server::close() {
  state_->close();
}

awaitable<void> Server::wait_closed() {
  return detail::wait_closed(state_);
}

void Server::close_clients() {
  for (auto& c : state_->snapshot_clients()) detail::StreamAccess::writer(c).close();
}

void Server::abort_clients() {
  for (auto& c : state_->snapshot_clients()) c->force_close(nullptr);
}

bool Server::is_serving() const noexcept {
  return state_->serving;
}

awaitable<void> Server::start_serving() {
  return detail::start_serving(state_);
}

awaitable<void> Server::serve_forever() {
  return detail::serve_forever(state_);
}

std::vector<Address> Server::sockets() const {
  return state_->addresses;
}

std::uint16_t Server::port() const {
  if (state_->addresses.empty()) throw RuntimeError("server is closed");
  const Address& first = state_->addresses.front();
  if (first.family == Address::Family::local) {
    throw RuntimeError("a Unix socket server has no port: " + to_string(first));
  }
  return first.port;
}

}  // namespace asyncio
