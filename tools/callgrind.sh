#!/usr/bin/env bash
# Instruction counts of every asyncio benchmark, one callgrind run each (one iteration, so the
# count is repeatable on a noisy machine). Compare a change against main:
#   tools/callgrind.sh build/release > after.txt   (same on a checkout of main > before.txt)
#   join before.txt after.txt | awk '{printf "%-45s %14s %14s %+6.2f%%\n", $1, $2, $3, 100*($3-$2)/$2}'
# The build directory must be configured with -DCMAKE_BUILD_TYPE=Release -DASYNCIO_BUILD_BENCH=ON.
set -euo pipefail
build=${1:?usage: tools/callgrind.sh BUILD_DIR [FILTER]}
filter=${2:-^BM_asyncio_}
cmake --build "$build" >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for exe in "$build"/bench/bench_*; do
  [[ -x $exe && -f $exe ]] || continue
  for name in $("$exe" --benchmark_list_tests | grep -E "$filter" || true); do
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$exe" \
      --benchmark_filter="^${name}\$" --benchmark_min_time=0 >/dev/null 2>&1
    printf '%s %s\n' "$name" "$(sed -n 's/^summary: //p' "$out/cg")"
  done
done | sort
