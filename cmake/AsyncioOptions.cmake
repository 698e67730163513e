# Warnings, sanitizers and ccache for every target of this project.

set(ASYNCIO_SANITIZE "" CACHE STRING
  "Sanitizers for every target: 'address,undefined' or 'thread' (empty: none)")

find_program(ASYNCIO_CCACHE ccache)
if(ASYNCIO_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${ASYNCIO_CCACHE})
endif()

if(ASYNCIO_SANITIZE AND PROJECT_IS_TOP_LEVEL)
  add_compile_options(-fsanitize=${ASYNCIO_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${ASYNCIO_SANITIZE})
  # Asio's atomic_thread_fence is invisible to TSan; GCC says so once per file.
  if(ASYNCIO_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
endif()

function(asyncio_apply_warnings target)
  if(PROJECT_IS_TOP_LEVEL)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  endif()
endfunction()
