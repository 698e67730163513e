#!/usr/bin/env bash
# Quick start on a fresh Debian 12 machine: install what is missing, build, run.
#   bash tools/quickstart.sh tutorial   build and run the tutorial samples (real time)
#   bash tools/quickstart.sh test       build and run every test: the thread-facing tests
#                                       under TSan, all under ASan+UBSan, all in the default
#                                       build, then the default build again against Asio 1.83
#                                       and 1.89 (../shared/asio-versions) and with clang
# Both are idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  tutorial | test) ;;
  *)
    echo "usage: bash tools/quickstart.sh tutorial|test" >&2
    exit 2
    ;;
esac

# --- install what is missing -------------------------------------------------------------
packages=(cmake ninja-build g++ ccache libboost1.81-dev libgtest-dev libbenchmark-dev)
if [ "$mode" = test ]; then packages+=(clang); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "== installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)

# --- tutorial ----------------------------------------------------------------------------
if [ "$mode" = tutorial ]; then
  cmake --preset default -DASYNCIO_BUILD_TESTS=OFF >/dev/null
  cmake --build --preset default -j "$jobs"
  for sample in build/default/samples/[0-9][0-9]_*; do
    [ -x "$sample" ] || continue
    echo "== ${sample##*/}"
    "$sample"
  done
  exit 0
fi

# --- tests -------------------------------------------------------------------------------
passed=0
failed=0
run_ctest() {  # preset, extra ctest args...
  local preset=$1
  shift
  local log
  log=$(mktemp)
  local rc=0
  ctest --preset "$preset" -j "$jobs" "$@" 2>&1 | tee "$log" || rc=$?
  local line
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    local total fails
    fails=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + total - fails))
    failed=$((failed + fails))
  else
    failed=$((failed + 1))
  fi
  rm -f "$log"
  return $rc
}

status=0
for preset in tsan asan default; do
  echo "== $preset build"
  cmake --preset "$preset" -DASYNCIO_BUILD_TESTS=ON >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
done
echo "== ThreadSanitizer: thread-facing tests"
run_ctest tsan -R '[Tt]hread' || status=1
echo "== AddressSanitizer + UndefinedBehaviorSanitizer: all tests"
run_ctest asan || status=1
echo "== default build: all tests"
run_ctest default || status=1

# The same tests against newer Boost.Asio releases (header trees beside the repository, in
# ../shared/asio-versions) and with the other compiler: the library uses Asio's insides, and
# a library that one compiler proves is not portable yet.
for preset in asio-1.83 asio-1.89 clang; do
  if [[ $preset == asio-* ]] && [ ! -d "../shared/asio-versions/boost-${preset#asio-}.0/include" ]; then
    echo "== $preset: skipped, no ../shared/asio-versions/boost-${preset#asio-}.0"
    continue
  fi
  echo "== $preset build: all tests"
  cmake --preset "$preset" -DASYNCIO_BUILD_TESTS=ON >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  run_ctest "$preset" || status=1
done
echo "$passed passed, $failed failed"
exit $status
