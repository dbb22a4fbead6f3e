"""The outbox on an asyncio server (uvicorn's kind): its `send` waits while the transport's
write buffer is above its high-water mark, so the outbox follows the transport's flow control
(`pause_writing` / `resume_writing`) and never waits inside `send`: a client that stops
reading is cut off and its connection dropped once the queue overflows; one that reads is
never cut. A real loopback connection on the asyncio and uvloop loops, the server's protocol
a small stand-in with uvicorn's `send` (tests/ws/test_procfile_web.py runs uvicorn itself)."""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvloop

from exchange.consumers.outbox import Outbox

MESSAGE = {"type": "trade", "pad": "x" * 1000}
LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


class Server(asyncio.Protocol):
    """Writes what `send` is given; `send` waits while the transport is paused, as uvicorn's
    websockets-sansio `send` does."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.writable = asyncio.Event()
        self.writable.set()
        self.connected = asyncio.get_running_loop().create_future()
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.set_write_buffer_limits(high=4096)
        self.connected.set_result(None)

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def connection_lost(self, exc) -> None:
        self.writable.set()
        self.lost.set_result(exc)

    async def send(self, message: dict) -> None:
        await self.writable.wait()
        if self.lost.done():
            raise ConnectionResetError("gone")  # uvicorn: ClientDisconnected, an OSError
        self.transport.write((message.get("text") or message["type"]).encode())


async def connected_pair() -> tuple[Server, socket.socket]:
    servers: list[Server] = []
    listener = await asyncio.get_running_loop().create_server(
        lambda: servers.append(Server()) or servers[-1], "127.0.0.1", 0
    )
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.setblocking(False)
    await asyncio.get_running_loop().sock_connect(client, listener.sockets[0].getsockname())
    while not servers:
        await asyncio.sleep(0.01)
    await servers[0].connected
    listener.close()
    return servers[0], client


def run(loop: str, scenario):
    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        return runner.run(asyncio.wait_for(scenario(), 20))


@pytest.mark.parametrize("loop", LOOPS)
def test_a_client_that_stops_reading_is_cut_off_and_dropped(loop: str) -> None:
    async def scenario() -> tuple[bool, list, int]:
        server, client = await connected_pair()
        cut: list[bool] = []
        box = Outbox(server.send, limit=50, heartbeat_seconds=60, on_cut_off=lambda: cut.append(1))
        watched = box.watch_socket(server.send, send_buffer_bytes=4096)
        writer = asyncio.ensure_future(box.run())
        taken = 0
        while box.put(MESSAGE):  # the client never reads
            taken += 1
            await asyncio.sleep(0.001)
        await writer  # not stuck in `send`
        await asyncio.wait_for(server.lost, 5)  # the connection dropped
        client.close()
        return watched, cut, taken

    watched, cut, taken = run(loop, scenario)

    assert watched
    assert cut == [1]
    assert taken >= 50  # what the socket took, then 50 queued


@pytest.mark.parametrize("loop", LOOPS)
def test_a_client_that_reads_gets_everything_and_is_never_cut(loop: str) -> None:
    async def scenario() -> tuple[list, int, int]:
        server, client = await connected_pair()
        cut: list[bool] = []
        box = Outbox(server.send, limit=50, heartbeat_seconds=60, on_cut_off=lambda: cut.append(1))
        assert box.watch_socket(server.send)
        writer = asyncio.ensure_future(box.run())
        received = 0

        async def read() -> None:
            nonlocal received
            while chunk := await asyncio.get_running_loop().sock_recv(client, 65536):
                received += len(chunk)

        reader = asyncio.ensure_future(read())
        for _ in range(2000):  # 2 MB, far past the socket's buffers, at most 10 waiting
            while box.pending >= 10:
                await asyncio.sleep(0.001)
            assert box.put(MESSAGE)
        while box.pending:
            await asyncio.sleep(0.001)
        box.close()
        await writer
        server.transport.close()
        await asyncio.wait_for(reader, 5)
        client.close()
        return cut, received, 2000

    cut, received, messages = run(loop, scenario)

    assert cut == []
    assert received == messages * len('{"type":"trade","pad":""}' + "x" * 1000)
