#pragma once
/// `StreamReader`: the reading half of a connection. Python: `asyncio.StreamReader`.

#include <asyncio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asyncio {

namespace detail {
struct StreamState;
struct StreamAccess;
}  // namespace detail

/// Python: `asyncio.streams._DEFAULT_LIMIT`, the buffer limit of a reader (64 KiB).
inline constexpr std::size_t kDefaultStreamLimit = 64 * 1024;

/// Reads bytes (a `std::string`, any byte values) from a connection, buffered.
///
/// A cheap handle: copies share the same stream, as Python references do. Every read is
/// cancellable and works inside `timeout`/`wait_for`; a cancelled read consumes nothing, so
/// the next read sees every byte. Only one coroutine may wait for data at a time.
/// Threads: the loop's thread only.
class StreamReader {
 public:
  /// A reader fed by hand with `feed_data`/`feed_eof`, as Python's `StreamReader(limit=...)`.
  /// Readers of connections come from `open_connection` and `start_server`.
  /// Throws: `ValueError` if `limit` is 0.
  explicit StreamReader(std::size_t limit = kDefaultStreamLimit);

  /// Python: `read(n=-1)`: up to `n` bytes as soon as any are there; with `n < 0`, everything
  /// up to EOF. Empty at EOF (and for `n == 0`).
  awaitable<std::string> read(std::int64_t n = -1);
  /// Python: `readline()`: up to and including `\n`; at EOF, what is left (maybe empty).
  /// Throws: `ValueError` when the line exceeds the limit (the line is dropped, as Python).
  awaitable<std::string> readline();
  /// Python: `readexactly(n)`.
  /// Throws: `IncompleteReadError` (with the partial bytes) at EOF first; `ValueError` for
  /// `n < 0`.
  awaitable<std::string> readexactly(std::int64_t n);
  /// Python: `readuntil(separator=b'\n')`: up to and including the separator.
  /// Throws: `IncompleteReadError` at EOF first; `LimitOverrunError` when the limit is reached
  /// first (the data stays in the buffer); `ValueError` for an empty separator.
  awaitable<std::string> readuntil(std::string separator = "\n");
  /// Python 3.13: `readuntil((b'\r\n', b'\n'))`: up to the separator that ends first. With
  /// g++ 12, name the vector first: a braced list of strings inside `co_await` fails to
  /// compile ("array used as initializer").
  awaitable<std::string> readuntil(std::vector<std::string> separators);

  /// One step of `async for line in reader:` — the next line, or nothing at EOF:
  ///
  ///     while (auto line = co_await reader.anext()) handle(*line);
  awaitable<std::optional<std::string>> anext();

  /// Python: `at_eof()`: EOF was seen and the buffer is empty.
  bool at_eof() const noexcept;
  /// Python: `exception()`: what ended the connection, if anything did.
  std::exception_ptr exception() const noexcept;
  std::size_t limit() const noexcept;
  /// The bytes buffered and not yet read. Python: `len(reader._buffer)`.
  std::size_t buffered() const noexcept;

  /// Python's protocol side: bytes, EOF or an error arriving. For readers made by hand.
  /// Throws: `RuntimeError` for `feed_data` after `feed_eof`.
  void feed_data(std::string_view data);
  void feed_eof();
  void set_exception(std::exception_ptr e);

  /// Python's repr: `<StreamReader 5 bytes eof>`.
  friend std::ostream& operator<<(std::ostream& out, const StreamReader& reader);

 private:
  friend struct detail::StreamAccess;
  explicit StreamReader(std::shared_ptr<detail::StreamState> state) noexcept;

  std::shared_ptr<detail::StreamState> state_;
};

/// Python: `anext(reader)` (3.10): `while (auto line = co_await anext(reader))`.
inline awaitable<std::optional<std::string>> anext(StreamReader& reader) {
  return reader.anext();
}

}  // namespace asyncio
