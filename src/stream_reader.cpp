#include <asyncio/stream_reader.hpp>

#include <asyncio/exceptions.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <ostream>
#include <tuple>
#include <utility>

#include "stream_state.hpp"

namespace asyncio {

namespace detail {

std::span<char> ByteBuffer::prepare(std::size_t n) {
  if (capacity_ - end_ < n) {
    const std::size_t used = size();
    if (used + n <= capacity_ && begin_ >= used) {
      // Enough room once the data moves to the front (and cheap: it is no longer than
      // what was consumed before it).
      std::memcpy(data_.get(), data_.get() + begin_, used);
    } else {
      const std::size_t capacity = std::max(capacity_ * 2, used + n);
      std::unique_ptr<char[]> bigger(new char[capacity]);  // not zero-filled
      if (used != 0) std::memcpy(bigger.get(), data_.get() + begin_, used);
      data_ = std::move(bigger);
      capacity_ = capacity;
    }
    begin_ = 0;
    end_ = used;
  }
  return {data_.get() + end_, capacity_ - end_};
}

void ByteBuffer::append(std::string_view bytes) {
  if (bytes.empty()) return;
  std::memcpy(prepare(bytes.size()).data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

std::string ByteBuffer::take(std::size_t n) {
  n = std::min(n, size());
  std::string out(data_.get() + begin_, n);
  consume(n);
  return out;
}

namespace {

namespace net = boost::asio;

// Python's selector transport reads up to 256 KiB at a time; 64 KiB is the default limit,
// and what one read of a 64 KiB message needs.
constexpr std::size_t kReadSize = 64 * 1024;

using Ptr = std::shared_ptr<StreamState>;

using ReadResult = std::tuple<boost::system::error_code, std::size_t>;

// Python: `_wait_for_data` refuses a second waiter.
void begin_wait(StreamState& s, const char* func) {
  if (s.waiting) {
    throw RuntimeError(std::string(func) +
                       "() called while another coroutine is already waiting for incoming data");
  }
  s.waiting = true;
}

bool reads_socket(const StreamState& s) noexcept {
  return s.has_socket() && !s.closing;
}

// One read from the socket into the buffer's free tail. Not a coroutine: the reading
// coroutine awaits Asio's operation itself, one frame less per read. `received` follows.
awaitable<ReadResult> receive(StreamState& s, const char* func) {
  begin_wait(s, func);
  s.cancels_at_read = current_cancelling();
  const std::span<char> space = s.buffer.prepare(kReadSize);
  return s.socket->async_read_some(net::buffer(space.data(), space.size()),
                                   net::as_tuple(net::use_awaitable));
}

// The bytes are in the buffer before anything can throw, so a read cancelled here loses
// nothing.
void received(StreamState& s, const ReadResult& result) {
  const auto& [ec, n] = result;
  s.waiting = false;
  s.buffer.commit(n);
  if (!ec) {
    if (cancel_missed_operation(s.cancels_at_read)) raise_cancelled();
    return;
  }
  if (ec == net::error::eof) {
    s.eof = true;
  } else if (ec == net::error::operation_aborted) {
    // Closed by close()/abort() (connection_lost feeds EOF soon), or task.cancel().
    if (!s.closing) raise_cancelled();
  } else {
    std::exception_ptr error = make_os_error(ec, "Read from " + to_string(s.peername) + " failed");
    s.exception = error;
    s.force_close(error);
    std::rethrow_exception(error);
  }
}

// Python: `StreamReader._wait_for_data(func_name)`, for a hand-fed reader or a connection
// closing: feed_data/feed_eof/connection_lost wake it.
awaitable<void> wait_for_feed(Ptr s, const char* func) {
  begin_wait(*s, func);
  struct Done {
    StreamState& s;
    ~Done() {
      s.waiting = false;
      s.waiter.reset();
    }
  } done{*s};
  if (!s->loop) s->loop = &get_running_loop();
  Future<void> waiter = s->loop->create_future<void>();
  s->waiter = waiter;
  co_await waiter;
}

void raise_if_failed(const StreamState& s) {
  if (s.exception) std::rethrow_exception(s.exception);
}

awaitable<std::string> read(Ptr s, std::int64_t n) {
  raise_if_failed(*s);
  if (n == 0) co_return std::string();
  if (n < 0) {
    // Python reads blocks of `limit` until EOF and joins them.
    std::string all;
    while (true) {
      std::string block = co_await read(s, static_cast<std::int64_t>(s->limit));
      if (block.empty()) break;
      all += block;
    }
    co_return all;
  }
  if (s->buffer.empty() && !s->eof) {
    if (reads_socket(*s)) {
      received(*s, co_await receive(*s, "read"));
    } else {
      co_await wait_for_feed(s, "read");
    }
  }
  co_return s->buffer.take(static_cast<std::size_t>(n));
}

awaitable<std::string> readexactly(Ptr s, std::int64_t n) {
  if (n < 0) throw ValueError("readexactly size can not be less than zero");
  raise_if_failed(*s);
  const auto want = static_cast<std::size_t>(n);
  while (s->buffer.size() < want) {
    if (s->eof) {
      std::string partial = s->buffer.take(s->buffer.size());
      throw IncompleteReadError(std::move(partial), want);
    }
    if (reads_socket(*s)) {
      received(*s, co_await receive(*s, "readexactly"));
    } else {
      co_await wait_for_feed(s, "readexactly");
    }
  }
  co_return s->buffer.take(want);
}

awaitable<std::string> readuntil(Ptr s, std::vector<std::string> separators) {
  // Python 3.13: the shortest separator first; the match ending first wins.
  std::stable_sort(separators.begin(), separators.end(),
                   [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
  if (separators.empty()) throw ValueError("Separator should contain at least one element");
  const std::size_t min_len = separators.front().size();
  const std::size_t max_len = separators.back().size();
  if (min_len == 0) throw ValueError("Separator should be at least one-byte string");
  raise_if_failed(*s);

  std::size_t offset = 0;
  std::size_t match_start = 0;
  std::size_t match_end = 0;
  while (true) {
    const std::string_view data = s->buffer.view();
    if (data.size() >= offset + min_len) {
      match_end = 0;
      for (const std::string& sep : separators) {
        const std::size_t at = data.find(sep, offset);
        if (at != std::string_view::npos && (match_end == 0 || at + sep.size() < match_end)) {
          match_start = at;
          match_end = at + sep.size();
        }
      }
      if (match_end != 0) break;
      // The next search starts where a separator could still begin.
      offset = data.size() + 1 > max_len ? data.size() + 1 - max_len : 0;
      if (offset > s->limit) {
        throw LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
      }
    }
    if (s->eof) {
      std::string partial = s->buffer.take(s->buffer.size());
      throw IncompleteReadError(std::move(partial), std::nullopt);
    }
    if (reads_socket(*s)) {
      received(*s, co_await receive(*s, "readuntil"));
    } else {
      co_await wait_for_feed(s, "readuntil");
    }
  }
  if (match_start > s->limit) {
    throw LimitOverrunError("Separator is found, but chunk is longer than limit", match_start);
  }
  co_return s->buffer.take(match_end);
}

awaitable<std::string> readline(Ptr s) {
  std::string line;
  std::exception_ptr overrun;
  std::size_t consumed = 0;
  std::vector<std::string> newline(1, "\n");  // g++ 12 rejects a braced list in co_await
  try {
    line = co_await readuntil(s, std::move(newline));
  } catch (const IncompleteReadError& e) {
    co_return e.partial();
  } catch (const LimitOverrunError& e) {
    overrun = std::current_exception();
    consumed = e.consumed();
  }
  if (overrun) {
    // Python drops the over-long line: through its newline if that is buffered, else all.
    const std::string_view data = s->buffer.view();
    if (data.size() > consumed && data[consumed] == '\n') {
      s->buffer.consume(consumed + 1);
    } else {
      s->buffer.clear();
    }
    try {
      std::rethrow_exception(overrun);
    } catch (const LimitOverrunError& e) {
      throw ValueError(e.what());
    }
  }
  co_return line;
}

awaitable<std::optional<std::string>> anext(Ptr s) {
  std::string line = co_await readline(std::move(s));
  if (line.empty()) co_return std::nullopt;
  co_return line;
}

}  // namespace

}  // namespace detail

StreamReader::StreamReader(std::size_t limit) {
  if (limit == 0) throw ValueError("Limit cannot be <= 0");
  state_ = std::make_shared<detail::StreamState>(nullptr, limit);
}

StreamReader::StreamReader(std::shared_ptr<detail::StreamState> state) noexcept
    : state_(std::move(state)) {}

awaitable<std::string> StreamReader::read(std::int64_t n) {
  return detail::read(state_, n);
}
awaitable<std::string> StreamReader::readline() {
  return detail::readline(state_);
}
awaitable<std::string> StreamReader::readexactly(std::int64_t n) {
  return detail::readexactly(state_, n);
}
awaitable<std::string> StreamReader::readuntil(std::string separator) {
  std::vector<std::string> separators;
  separators.push_back(std::move(separator));
  return detail::readuntil(state_, std::move(separators));
}
awaitable<std::string> StreamReader::readuntil(std::vector<std::string> separators) {
  return detail::readuntil(state_, std::move(separators));
}
awaitable<std::optional<std::string>> StreamReader::anext() {
  return detail::anext(state_);
}

bool StreamReader::at_eof() const noexcept {
  return state_->eof && state_->buffer.empty();
}
std::exception_ptr StreamReader::exception() const noexcept {
  return state_->exception;
}
std::size_t StreamReader::limit() const noexcept {
  return state_->limit;
}
std::size_t StreamReader::buffered() const noexcept {
  return state_->buffer.size();
}

void StreamReader::feed_data(std::string_view data) {
  if (state_->eof) throw RuntimeError("feed_data after feed_eof");
  if (data.empty()) return;
  state_->buffer.append(data);
  state_->wake_reader();
}

void StreamReader::feed_eof() {
  state_->eof = true;
  state_->wake_reader();
}

void StreamReader::set_exception(std::exception_ptr e) {
  state_->exception = e;
  if (state_->waiter && !state_->waiter->done()) state_->waiter->set_exception(std::move(e));
}

std::ostream& operator<<(std::ostream& out, const StreamReader& reader) {
  const detail::StreamState& s = *reader.state_;
  out << "<StreamReader";
  if (!s.buffer.empty()) out << ' ' << s.buffer.size() << " bytes";
  if (s.eof) out << " eof";
  if (s.limit != kDefaultStreamLimit) out << " limit=" << s.limit;
  if (s.waiting) out << " waiter=<Future pending>";
  if (s.exception) out << " exception=" << format_exception(s.exception);
  if (s.socket) out << " transport=" << s.peername;
  return out << '>';
}

}  // namespace asyncio
