"""bench/bench_echo.cpp in Python asyncio streams: echo round trips over TCP on 127.0.0.1,
server and clients on one loop, for ratios against the C++ ones.

    python3 echo.py CONNS SIZE [--uvloop]   prints the seconds the workload took

--uvloop runs it on uvloop's loop (Debian's python3-uvloop is for /usr/bin/python3).
"""
import asyncio
import sys
import time

READ_SIZE = 64 * 1024


def rounds_per_connection(connections, size):
    """Round trips of one run, over all connections: 20k of 64 bytes, 2k of 64 KiB."""
    total = 20_000 if size <= 1024 else 2_000
    return total // connections


async def handle(reader, writer):
    while data := await reader.read(READ_SIZE):
        writer.write(data)
        await writer.drain()
    writer.close()


async def client(port, size, rounds):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    message = b"x" * size
    for _ in range(rounds):
        writer.write(message)
        await writer.drain()
        await reader.readexactly(size)
    writer.close()
    await writer.wait_closed()


async def echo(connections, size):
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    rounds = rounds_per_connection(connections, size)
    await asyncio.gather(*(client(port, size, rounds) for _ in range(connections)))
    server.close()
    await server.wait_closed()


def main():
    connections, size = int(sys.argv[1]), int(sys.argv[2])
    if "--uvloop" in sys.argv[3:]:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    start = time.perf_counter()
    asyncio.run(echo(connections, size))
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
