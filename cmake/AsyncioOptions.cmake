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
endif()

function(asyncio_apply_warnings target)
  if(PROJECT_IS_TOP_LEVEL)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  endif()
endfunction()
