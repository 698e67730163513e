#include <asyncio/task.hpp>

#include "asyncio_test.hpp"

ASYNCIO_TEST(BaseTaskTests, test_task_basics) { co_return; }
