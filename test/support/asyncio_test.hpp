#pragma once
// Test helpers: coroutine test bodies on the virtual clock, and deterministic stepping.

#include <asyncio/asyncio.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <memory>
#include <regex>
#include <string>

namespace asyncio::testing {

/// Runs `body` under `asyncio::run(..., {.virtual_time = true})`; an exception escaping
/// the body fails the test with its description.
inline void run_test(awaitable<void> body, RunOptions options = {.virtual_time = true}) {
  try {
    asyncio::run(std::move(body), options);
  } catch (const CancelledError& e) {
    ADD_FAILURE() << "test body raised CancelledError('" << e.what() << "')";
  } catch (...) {
    ADD_FAILURE() << "test body raised " << format_exception(std::current_exception());
  }
}

/// Python's `test_utils.run_briefly(loop)`: run a task that does nothing, which takes two
/// iterations: every callback ready now, and those they schedule, run. The loop must not be
/// running.
inline void run_briefly(EventLoop& loop) {
  loop.run_until_complete(loop.create_task([]() -> awaitable<void> { co_return; }()));
}

/// Inside a running loop: yield `n` times (each `sleep(0)` is one loop iteration).
inline awaitable<void> yield_briefly(int n = 1) {
  for (int i = 0; i < n; ++i) co_await sleep(0);
}

/// The loop's clock in seconds, for exact assertions under virtual time.
inline double now() {
  return get_running_loop().time();
}

/// Python's repr of an exception: `ValueError('boom')`.
inline std::string describe(const std::exception_ptr& e) {
  return format_exception(e);
}

/// Whether the message of `e` matches `pattern` (std::regex_search, as Python's re.search).
template <typename E>  // not always a std::exception: CancelledError is not
::testing::AssertionResult message_matches(const E& e, const std::string& pattern) {
  if (std::regex_search(std::string(e.what()), std::regex(pattern))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "the message '" << e.what() << "' does not match /" << pattern << "/";
}

/// `assertRaisesRegex(E, pattern, f)`: `f()` throws E whose what() matches `pattern`
/// (std::regex_search, as Python's re.search).
template <typename E, typename F>
::testing::AssertionResult raises(F&& f, const std::string& pattern = "") {
  try {
    f();
  } catch (const E& e) {
    return message_matches(e, pattern);
  } catch (...) {
    return ::testing::AssertionFailure() << "raised " << describe(std::current_exception());
  }
  return ::testing::AssertionFailure() << "did not raise";
}

/// `with self.assertRaisesRegex(E, pattern): await aw`.
template <typename E, typename A>
awaitable<::testing::AssertionResult> co_raises(A aw, std::string pattern = "") {
  std::exception_ptr error;
  try {
    co_await std::move(aw);
  } catch (...) {
    error = std::current_exception();
  }
  if (!error) co_return ::testing::AssertionFailure() << "did not raise";
  try {
    std::rethrow_exception(error);
  } catch (const E& e) {
    co_return message_matches(e, pattern);
  } catch (...) {
  }
  co_return ::testing::AssertionFailure() << "raised " << describe(error);
}

/// Destroys the primitive in `slot` (on the heap, so that ASan sees any use after it) while
/// a task waits on it through `wait(primitive)`; checks that the task waits on, and that a
/// cancel then ends it with CancelledError.
template <typename P, typename Wait>
awaitable<void> destroy_while_waiting(std::unique_ptr<P>& slot, Wait wait) {
  auto t = create_task(wait(*slot));
  co_await sleep(0);
  EXPECT_FALSE(t.done());
  slot.reset();
  co_await sleep(1);
  EXPECT_FALSE(t.done());
  EXPECT_TRUE(t.cancel("late"));
  EXPECT_TRUE(co_await co_raises<CancelledError>(t, "late"));
}

}  // namespace asyncio::testing

/// A test whose body is a coroutine run on the virtual clock:
///   ASYNCIO_TEST(SleepTests, test_sleep) { co_await asyncio::sleep(1); EXPECT_EQ(...); }
/// Use EXPECT_* or CO_ASSERT_*; gtest's ASSERT_* `return`s, which a coroutine cannot do.
#define ASYNCIO_TEST(Suite, Name)                            \
  static ::asyncio::awaitable<void> Suite##_##Name##_coro(); \
  TEST(Suite, Name) {                                        \
    ::asyncio::testing::run_test(Suite##_##Name##_coro());   \
  }                                                          \
  static ::asyncio::awaitable<void> Suite##_##Name##_coro()

/// Fatal assertions for coroutine bodies: record the failure and leave the coroutine.
#define CO_ASSERT_TRUE(cond)                               \
  do {                                                     \
    if (!(cond)) {                                         \
      ADD_FAILURE() << "CO_ASSERT_TRUE(" #cond ") failed"; \
      co_return;                                           \
    }                                                      \
  } while (0)
/// CO_ASSERT_EQ(a, b) reports as EXPECT_EQ(a, b) does (the same comparison and message),
/// evaluating each argument once: either may be a `co_await` or have side effects.
#define CO_ASSERT_EQ(a, b)                                        \
  do {                                                            \
    const ::testing::AssertionResult co_assert_result_ =          \
        ::testing::internal::EqHelper::Compare(#a, #b, (a), (b)); \
    if (!co_assert_result_) {                                     \
      ADD_FAILURE() << co_assert_result_.message();               \
      co_return;                                                  \
    }                                                             \
  } while (0)
