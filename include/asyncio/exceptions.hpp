#pragma once
/// asyncio's exception types. Python: `asyncio.exceptions` and the builtins it raises.

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace asyncio {

/// The operation was cancelled. Python: `asyncio.CancelledError`.
///
/// Deliberately not derived from `std::exception`: as Python's `CancelledError` is a
/// `BaseException`, a generic `catch (const std::exception&)` must not swallow a
/// cancellation. Catch it by name, clean up, and re-throw (or, as Python permits, swallow it).
class CancelledError {
 public:
  CancelledError() = default;
  explicit CancelledError(std::string message) : message_(std::move(message)) {}

  /// The message given to `cancel(msg)`; empty when none was given.
  const char* what() const noexcept { return message_.c_str(); }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string message_;
};

/// Python: `RuntimeError`, as raised by asyncio (no running loop, loop closed, ...).
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python: `ValueError` (a NaN delay, a negative size, ...).
class ValueError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Python: `OverflowError`. Raised where a C++ counter would pass its type's limit and
/// Python's unbounded int would not (`Semaphore::release()` at `LONG_MAX`); the object is
/// left unchanged instead of wrapping.
class OverflowError : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
};

/// The operation exceeded its deadline. Python: `TimeoutError` (`asyncio.TimeoutError`).
class TimeoutError : public std::runtime_error {
 public:
  TimeoutError() : std::runtime_error("timed out") {}
  using std::runtime_error::runtime_error;
};

/// A Future or Task was used in a state that does not allow it (a second `set_result`,
/// `result()` before done). Python: `asyncio.InvalidStateError`.
class InvalidStateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Python: `asyncio.QueueEmpty`.
class QueueEmpty : public std::runtime_error {
 public:
  QueueEmpty() : std::runtime_error("queue is empty") {}
  using std::runtime_error::runtime_error;
};

/// Python: `asyncio.QueueFull`.
class QueueFull : public std::runtime_error {
 public:
  QueueFull() : std::runtime_error("queue is full") {}
  using std::runtime_error::runtime_error;
};

/// Python: `asyncio.QueueShutDown` (3.13).
class QueueShutDown : public std::runtime_error {
 public:
  QueueShutDown() : std::runtime_error("queue is shut down") {}
  using std::runtime_error::runtime_error;
};

/// Python: `asyncio.BrokenBarrierError`.
class BrokenBarrierError : public std::runtime_error {
 public:
  BrokenBarrierError() : std::runtime_error("barrier is broken") {}
  using std::runtime_error::runtime_error;
};

/// A read reached EOF before the expected bytes. Python: `asyncio.IncompleteReadError`.
/// `expected` is empty where Python's is None (`readuntil`: the separator never came).
class IncompleteReadError : public std::runtime_error {
 public:
  IncompleteReadError(std::string partial, std::optional<std::size_t> expected);
  const std::string& partial() const noexcept { return partial_; }
  std::optional<std::size_t> expected() const noexcept { return expected_; }

 private:
  std::string partial_;
  std::optional<std::size_t> expected_;
};

/// A separator was not found within the buffer limit. Python: `asyncio.LimitOverrunError`.
class LimitOverrunError : public std::runtime_error {
 public:
  LimitOverrunError(const std::string& message, std::size_t consumed)
      : std::runtime_error(message), consumed_(consumed) {}
  std::size_t consumed() const noexcept { return consumed_; }

 private:
  std::size_t consumed_;
};

/// An operating-system error, carrying its `std::error_code` (`code()`). Python: `OSError`.
/// `what()` names the operation and the address concerned, then the system's message:
/// "Connect call failed ('127.0.0.1', 8888): Connection refused".
class OSError : public std::system_error {
 public:
  using std::system_error::system_error;
};
/// Python: `ConnectionError` and its subclasses, by `errno`.
class ConnectionError : public OSError {
 public:
  using OSError::OSError;
};
class BrokenPipeError : public ConnectionError {  // EPIPE
 public:
  using ConnectionError::ConnectionError;
};
class ConnectionAbortedError : public ConnectionError {  // ECONNABORTED
 public:
  using ConnectionError::ConnectionError;
};
class ConnectionRefusedError : public ConnectionError {  // ECONNREFUSED
 public:
  using ConnectionError::ConnectionError;
};
class ConnectionResetError : public ConnectionError {  // ECONNRESET
 public:
  using ConnectionError::ConnectionError;
};
/// Python: `FileNotFoundError` (ENOENT), e.g. a Unix socket path that does not exist.
class FileNotFoundError : public OSError {
 public:
  using OSError::OSError;
};

/// Throws the `OSError` subclass Python would raise for `code`, with `what` as the context.
[[noreturn]] void raise_os_error(std::error_code code, const std::string& what);

/// One line naming an exception as Python's `repr(e)` does: `ValueError('boom')`,
/// `CancelledError()`; "None" for a null pointer. Demangled C++ names for other types.
std::string format_exception(const std::exception_ptr& e);

/// Whether `e` holds an `E` (or something derived from it). Python: `isinstance(e, E)`.
template <typename E>
bool holds(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const E&) {
    return true;
  } catch (...) {
    return false;
  }
}

/// Several exceptions raised together. Python: `ExceptionGroup` / `BaseExceptionGroup`.
///
/// `split<E>()` and `subgroup<E>()` stand in for `except*`.
class ExceptionGroup : public std::exception {
 public:
  ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions);

  const char* what() const noexcept override { return what_.c_str(); }
  const std::string& message() const noexcept { return message_; }
  const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

  /// The exceptions that are (or derive from) `E`, and the rest. Nested groups are split
  /// recursively, as Python does. Either side is empty when nothing matched it.
  template <typename E>
  std::pair<std::vector<std::exception_ptr>, std::vector<std::exception_ptr>> split() const {
    std::pair<std::vector<std::exception_ptr>, std::vector<std::exception_ptr>> out;
    split_into([](const std::exception_ptr& e) { return holds<E>(e); }, out.first, out.second);
    return out;
  }

  /// The exceptions that are (or derive from) `E`. Python: `eg.subgroup(E)`.
  template <typename E>
  std::vector<std::exception_ptr> subgroup() const {
    return split<E>().first;
  }

 private:
  template <typename Match>
  void split_into(Match match, std::vector<std::exception_ptr>& yes,
                  std::vector<std::exception_ptr>& no) const {
    for (const auto& e : exceptions_) {
      if (match(e)) {
        yes.push_back(e);
        continue;
      }
      try {
        std::rethrow_exception(e);
      } catch (const ExceptionGroup& inner) {
        inner.split_into(match, yes, no);
      } catch (...) {
        no.push_back(e);
      }
    }
  }

  std::string message_;
  std::vector<std::exception_ptr> exceptions_;
  std::string what_;
};

}  // namespace asyncio
