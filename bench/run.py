#!/usr/bin/env python3
"""Runs every benchmark in a fresh process, next to its raw-Asio and CPython twins, and
prints the ratios (how many times faster asyncio-cpp is; for memory, bytes per task).

    python3 bench/run.py [--build build/release/bench] [--runs 3] [--python python3]
                         [--uvloop-python /usr/bin/python3] [--only echo]

Each figure is the first round in a fresh process (what a program pays once, page touches
included); the median of --runs processes is kept. The three programs of a workload take
turns, and a ratio is the median of the ratios within each turn. The echo workloads print
a second table, in round trips per second, with uvloop as a fourth program.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

# (workload, binary, asyncio benchmark, raw-Asio benchmarks, python workload, target)
WORKLOADS = [
    ("spawn+await 200k tasks", "bench_spawn", "BM_asyncio_spawn_await", ["BM_asio_spawn_await"],
     "spawn_await", ">= 1.0x Asio"),
    ("100k tasks x sleep(0)", "bench_sleep0", "BM_asyncio_sleep0", ["BM_asio_post_yield"],
     "sleep0", ">= 1.2x Asio"),
    ("1M ping-pong via futures", "bench_pingpong", "BM_asyncio_pingpong_futures",
     ["BM_asio_pingpong_channels_unbuffered", "BM_asio_pingpong_channels_buffered"],
     "pingpong_futures", ">= 5x Asio"),
    ("gather of 100k awaitables", "bench_gather", "BM_asyncio_gather",
     ["BM_asio_parallel_group", "BM_asio_spawn_loop"], "gather_children",
     ">= 1.0x Asio, >= 1.5x parallel_group"),
    ("TaskGroup of 100k children", "bench_task_group", "BM_asyncio_task_group",
     ["BM_asio_spawn_group"], "task_group", ">= 1.0x Asio"),
    ("100k wait_for, no expiry", "bench_wait_for", "BM_asyncio_wait_for",
     ["BM_asio_awaitable_or_timer"], "wait_for", ">= 1.0x Asio"),
    ("Lock: 100 tasks, 1M acquisitions", "bench_lock", "BM_asyncio_lock",
     ["BM_asio_channel_mutex"], "lock", ">= 5x Asio, >= 20x CPython"),
    ("Semaphore(10), 200k tasks", "bench_semaphore", "BM_asyncio_semaphore",
     ["BM_asio_channel_semaphore"], "semaphore", ">= 1.2x Asio, >= 5x CPython"),
    ("Event waking 100k waiters", "bench_event", "BM_asyncio_event",
     ["BM_asio_timer_broadcast"], "event", ">= 1.0x Asio, >= 20x CPython"),
    ("Queue(1), 1M items", "bench_queue", "BM_asyncio_queue", ["BM_asio_channel"], "queue",
     ">= 5x Asio, >= 20x CPython"),
    ("20k to_thread round trips", "bench_to_thread", "BM_asyncio_to_thread",
     ["BM_asio_post_handler", "BM_asio_post_hop"], "to_thread", ">= 10x CPython"),
]
# Workloads whose binary also measures a floor: the part of the work no library built on
# Asio coroutines can avoid. CPython's time over it is the best ratio any such library gets.
FLOORS = {"bench_event": "BM_floor_two_frames_per_task"}
MEMORY = ("1M sleeping tasks", "bench_sleeping_tasks", "BM_asyncio_sleeping_tasks",
          "BM_asio_sleeping_tasks", "sleeping_tasks", "<= 900 bytes/task")
# Echo round trips over TCP on 127.0.0.1 (bench_echo, python/echo.py): (title, connections,
# message size, round trips of a run). Python runs twice, on CPython's own loop (--python)
# and on uvloop (--uvloop-python, the interpreter that has uvloop installed).
ECHO = [
    ("echo, 1 conn, 64 B x 20k", 1, 64, 20_000),
    ("echo, 100 conns, 64 B x 20k", 100, 64, 20_000),
    ("echo, 1 conn, 64 KiB x 2k", 1, 65536, 2_000),
    ("echo, 100 conns, 64 KiB x 2k", 100, 65536, 2_000),
]
ECHO_OURS = "BM_asyncio_echo"
ECHO_ASIO = ["BM_asio_echo", "BM_asio_echo_handlers"]
ECHO_TARGET = ">= 1.0x Asio, > uvloop"


def run_cpp(build, binary, name, counter=None):
    out = subprocess.run(
        [os.path.join(build, binary), f"--benchmark_filter=^{name}(/|$)",
         "--benchmark_min_time=0", "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    bench = json.loads(out)["benchmarks"][0]
    if counter:
        return bench[counter]
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[bench["time_unit"]]
    return bench["real_time"] * scale


def run_python(python, workload):
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([python, os.path.join(here, "python", "workloads.py"), workload],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip())


def run_python_echo(python, connections, size, uvloop=False):
    here = os.path.dirname(os.path.abspath(__file__))
    command = [python, os.path.join(here, "python", "echo.py"), str(connections), str(size)]
    out = subprocess.run(command + (["--uvloop"] if uvloop else []),
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip())


def echo_table(args):
    """Round trips per second, median (min-max) of --runs interleaved rounds, and ratios."""
    def version(python):
        return subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                              check=True, capture_output=True, text=True).stdout.strip()

    print(f"| workload | asyncio-cpp | raw Asio ({', '.join(ECHO_ASIO)}) | vs Asio | "
          f"CPython {version(args.python)} | vs CPython | "
          f"uvloop (CPython {version(args.uvloop_python)}) | vs uvloop | target |")
    print("|---|---|---|---|---|---|---|---|---|")

    def rate(times, trips):
        rates = [trips / t for t in times]
        return (f"{statistics.median(rates) / 1e3:.1f}k/s "
                f"({min(rates) / 1e3:.1f}k-{max(rates) / 1e3:.1f}k)")

    for title, connections, size, trips in ECHO:
        if args.only and args.only not in title:
            continue
        shape = f"/conns:{connections}/size:{size}"
        rounds = []
        for _ in range(args.runs):
            t = run_cpp(args.build, "bench_echo", ECHO_OURS + shape)
            asio = [run_cpp(args.build, "bench_echo", n + shape) for n in ECHO_ASIO]
            cpy = run_python_echo(args.python, connections, size)
            uv = run_python_echo(args.uvloop_python, connections, size, uvloop=True)
            rounds.append((t, asio, cpy, uv))
        asio_txt = ", ".join(rate([r[1][i] for r in rounds], trips) for i in range(len(ECHO_ASIO)))
        vs_asio = ", ".join(f"{statistics.median(r[1][i] / r[0] for r in rounds):.2f}x"
                            for i in range(len(ECHO_ASIO)))
        vs_cpy = statistics.median(r[2] / r[0] for r in rounds)
        vs_uv = statistics.median(r[3] / r[0] for r in rounds)
        print(f"| {title} | {rate([r[0] for r in rounds], trips)} | {asio_txt} | {vs_asio} | "
              f"{rate([r[2] for r in rounds], trips)} | {vs_cpy:.1f}x | "
              f"{rate([r[3] for r in rounds], trips)} | {vs_uv:.2f}x | {ECHO_TARGET} |",
              flush=True)


def median(f, runs):
    return statistics.median(f() for _ in range(runs))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--build", default="build/release/bench")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--python", default="python3")
    p.add_argument("--uvloop-python", default="/usr/bin/python3",
                   help="a Python with uvloop installed, for the echo workloads")
    p.add_argument("--only", help="substring of a workload name")
    args = p.parse_args()

    if not args.only or any(args.only in w[0] for w in WORKLOADS + [MEMORY]):
        print("| workload | asyncio-cpp | raw Asio | vs Asio | CPython | vs CPython | target |")
        print("|---|---|---|---|---|---|---|")
    for title, binary, ours, theirs, py, target in WORKLOADS:
        if args.only and args.only not in title:
            continue
        # Rounds interleave the three programs, and each ratio is the median of per-round
        # ratios, so that a machine whose speed drifts during the run skews no ratio.
        rounds = []
        floors = []
        for _ in range(args.runs):
            t = run_cpp(args.build, binary, ours)
            asio = [run_cpp(args.build, binary, n) for n in theirs]
            pyt = run_python(args.python, py)
            rounds.append((t, asio, pyt))
            if binary in FLOORS:
                floors.append((run_cpp(args.build, binary, FLOORS[binary]), pyt))
        t = statistics.median(r[0] for r in rounds)
        asio = [statistics.median(r[1][i] for r in rounds) for i in range(len(theirs))]
        pyt = statistics.median(r[2] for r in rounds)
        ratios = [statistics.median(r[1][i] / r[0] for r in rounds) for i in range(len(theirs))]
        py_ratio = statistics.median(r[2] / r[0] for r in rounds)
        asio_txt = ", ".join(f"{v * 1e3:.1f} ms" for v in asio)
        ratio_txt = ", ".join(f"{v:.2f}x" for v in ratios)
        print(f"| {title} | {t * 1e3:.1f} ms | {asio_txt} | {ratio_txt} | {pyt * 1e3:.0f} ms | "
              f"{py_ratio:.1f}x | {target} |", flush=True)
        if floors:
            f = statistics.median(x[0] for x in floors)
            fr = statistics.median(x[1] / x[0] for x in floors)
            print(f"| (floor: {FLOORS[binary]}) | {f * 1e3:.1f} ms | | | | {fr:.1f}x at best | |",
                  flush=True)
    if not args.only or args.only in MEMORY[0]:
        title, binary, ours, theirs, py, target = MEMORY
        b = median(lambda: run_cpp(args.build, binary, ours, "bytes_per_task"), args.runs)
        a = median(lambda: run_cpp(args.build, binary, theirs, "bytes_per_task"), args.runs)
        pyb = run_python(args.python, py)
        print(f"| {title} (resident bytes per task) | {b:.0f} | {a:.0f} | - | {pyb:.0f} | - | {target} |")
    if not args.only or any(args.only in e[0] for e in ECHO):
        if not args.only:
            print()
        echo_table(args)


if __name__ == "__main__":
    sys.exit(main())
