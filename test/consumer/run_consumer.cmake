# Builds and runs a consumer project against the library (ctest helper).
# -DSOURCE_DIR=<asyncio source> -DWORK_DIR=<scratch> -DMODE=find_package|add_subdirectory
file(REMOVE_RECURSE "${WORK_DIR}")
set(consumer_src "${SOURCE_DIR}/test/consumer/${MODE}")

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${ARGN}")
  endif()
endfunction()

if(MODE STREQUAL "find_package")
  run_step(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/lib" -G "${GENERATOR}"
           -DCMAKE_BUILD_TYPE=Release -DASYNCIO_BUILD_TESTS=OFF -DASYNCIO_BUILD_SAMPLES=OFF
           -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix)
  run_step(${CMAKE_COMMAND} --build "${WORK_DIR}/lib")
  run_step(${CMAKE_COMMAND} --install "${WORK_DIR}/lib")
  run_step(${CMAKE_COMMAND} -S "${consumer_src}" -B "${WORK_DIR}/app" -G "${GENERATOR}"
           -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
else()
  run_step(${CMAKE_COMMAND} -S "${consumer_src}" -B "${WORK_DIR}/app" -G "${GENERATOR}"
           -DASYNCIO_SOURCE_DIR=${SOURCE_DIR})
endif()
run_step(${CMAKE_COMMAND} --build "${WORK_DIR}/app")
run_step("${WORK_DIR}/app/consumer")
