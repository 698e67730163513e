#pragma once
/// `StreamWriter`: the writing half of a connection. Python: `asyncio.StreamWriter`.

#include <asyncio/address.hpp>
#include <asyncio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace asyncio {

namespace detail {
struct StreamState;
struct StreamAccess;
}  // namespace detail

/// Writes bytes to a connection.
///
/// As Python's: `write` sends at once what the socket takes and buffers the rest, sent in
/// the background; `drain` waits while the buffer is above the high-water mark (64 KiB by
/// default) until it falls to the low-water mark (a quarter of it), and returns without
/// yielding otherwise. A cheap handle: copies share the same stream.
/// Threads: the loop's thread only.
class StreamWriter {
 public:
  /// Python: `write(data)`. After `close()` or a lost connection the bytes are dropped, as
  /// Python's transport drops them (`drain` reports the loss).
  /// Throws: `RuntimeError` after `write_eof()`.
  void write(std::string_view data);
  /// Python: `writelines(lines)`: the lines written back to back, as one write.
  template <typename Range>
  void writelines(const Range& lines) {
    std::string joined;
    for (const auto& line : lines) joined.append(std::string_view(line));
    write(joined);
  }
  void writelines(std::initializer_list<std::string_view> lines) {
    writelines<std::initializer_list<std::string_view>>(lines);
  }
  /// Python: `await drain()`: flow control, see the class comment.
  /// Throws: the connection's error (`ConnectionResetError`, `BrokenPipeError`, ...);
  /// `ConnectionResetError("Connection lost")` when it was closed.
  awaitable<void> drain();

  /// Python: `write_eof()`: shut the sending side once the buffer is sent (a half-close).
  void write_eof();
  bool can_write_eof() const noexcept;
  /// Python: `close()`: send what is buffered, then close. Idempotent.
  void close();
  bool is_closing() const noexcept;
  /// Python: `await wait_closed()`: until the socket is closed.
  /// Throws: the error that ended the connection, if one did.
  awaitable<void> wait_closed();

  /// Python: `get_extra_info("peername")` and `get_extra_info("sockname")`.
  /// Throws: `ValueError` for any other name.
  Address get_extra_info(std::string_view name) const;

  /// Python: `writer.transport.abort()`: close at once, dropping the buffered bytes.
  void abort();
  /// Python: `writer.transport.get_write_buffer_size()`.
  std::size_t get_write_buffer_size() const noexcept;
  /// Python: `writer.transport.set_write_buffer_limits(high, low)`: `high` defaults to 64 KiB
  /// (or 4 * low), `low` to high / 4.
  /// Throws: `ValueError` unless high >= low >= 0.
  void set_write_buffer_limits(std::optional<std::int64_t> high = {},
                               std::optional<std::int64_t> low = {});

  /// Python's repr: `<StreamWriter transport=... reader=...>`, shortened to the peer.
  friend std::ostream& operator<<(std::ostream& out, const StreamWriter& writer);

 private:
  friend struct detail::StreamAccess;
  explicit StreamWriter(std::shared_ptr<detail::StreamState> state) noexcept;

  std::shared_ptr<detail::StreamState> state_;
};

}  // namespace asyncio
