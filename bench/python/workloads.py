"""The bench/ workloads in CPython asyncio, one per name, for ratios against the C++ ones.

    python3 workloads.py NAME    prints the seconds the workload took (or, for
                                 sleeping_tasks, the resident bytes per task)
"""
import asyncio
import resource
import sys
import time


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


async def trivial(i):
    return i


async def spawn_await():
    tasks = [asyncio.create_task(trivial(i)) for i in range(200_000)]
    return sum([await t for t in tasks])


async def sleep0():
    async def yield_once():
        await asyncio.sleep(0)
    tasks = [asyncio.create_task(yield_once()) for _ in range(100_000)]
    for t in tasks:
        await t


async def pingpong_futures():
    rounds = 1_000_000
    loop = asyncio.get_running_loop()
    x = {"ping": loop.create_future(), "pong": loop.create_future()}

    async def ponger():
        for _ in range(rounds):
            v = await x["ping"]
            x["ping"] = loop.create_future()
            x["pong"].set_result(v + 1)

    other = asyncio.create_task(ponger())
    total = 0
    for i in range(rounds):
        x["pong"] = loop.create_future()
        pong = x["pong"]
        x["ping"].set_result(i)
        total += await pong
    await other
    return total


async def sleeping_tasks():
    n = 1_000_000

    async def sleeper():
        await asyncio.sleep(3600)

    before = rss_bytes()
    tasks = [asyncio.create_task(sleeper()) for _ in range(n)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    per_task = (rss_bytes() - before) / n
    for t in tasks:
        t.cancel()
    return per_task


async def gather_children():
    results = await asyncio.gather(*(trivial(i) for i in range(100_000)))
    return sum(results)


async def task_group():
    async with asyncio.TaskGroup() as tg:
        for i in range(100_000):
            tg.create_task(trivial(i))


async def wait_for():
    async def quick(i):
        await asyncio.sleep(0)
        return i
    total = 0
    for i in range(100_000):
        total += await asyncio.wait_for(quick(i), 3600)
    return total


async def lock():
    lk = asyncio.Lock()
    counter = 0

    async def contender(rounds):
        nonlocal counter
        for _ in range(rounds):
            async with lk:
                counter += 1
                await asyncio.sleep(0)

    await asyncio.gather(*(contender(1_000_000 // 100) for _ in range(100)))
    return counter


async def semaphore():
    sem = asyncio.Semaphore(10)

    async def job():
        async with sem:
            await asyncio.sleep(0)

    await asyncio.gather(*(job() for _ in range(200_000)))


async def event():
    ev = asyncio.Event()
    waiters = [asyncio.create_task(ev.wait()) for _ in range(100_000)]
    await asyncio.sleep(0)
    ev.set()
    for w in waiters:
        await w


async def queue():
    q = asyncio.Queue(1)
    n = 1_000_000

    async def producer():
        for i in range(n):
            await q.put(i)

    async def consumer():
        total = 0
        for _ in range(n):
            total += await q.get()
        return total

    _, total = await asyncio.gather(producer(), consumer())
    return total


def noop():
    pass


async def to_thread():
    for _ in range(20_000):
        await asyncio.to_thread(noop)


WORKLOADS = {f.__name__: f for f in (spawn_await, sleep0, pingpong_futures, sleeping_tasks,
                                     gather_children, task_group, wait_for, lock, semaphore,
                                     event, queue, to_thread)}


def main():
    name = sys.argv[1]
    start = time.perf_counter()
    result = asyncio.run(WORKLOADS[name]())
    elapsed = time.perf_counter() - start
    print(result if name == "sleeping_tasks" else elapsed)


if __name__ == "__main__":
    main()
