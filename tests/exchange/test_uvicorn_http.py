"""exchange/uvicorn_http.py: the production server's HTTP protocol refuses a request's head past
16 KiB (431, the API's envelope, the connection closed), as daphne refuses it, and serves
everything under it, on a kept-alive connection too; a connection that sends no request, or
a head too slowly, is closed after the keep-alive timeout (408 for a head begun)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
import uvicorn

from exchange.uvicorn_http import MAX_HEAD_BYTES, BoundedHttpToolsProtocol


async def _app(scope, receive, send) -> None:
    if scope["path"] == "/slow":
        await asyncio.sleep(2)
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = sum(len(name) + len(value) for name, value in scope["headers"])
    answer = json.dumps({"headers": headers, "body": len(body)}).encode()
    length = [(b"content-length", str(len(answer)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": length})
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture(scope="module")
def server_port():
    yield from _serve(timeout_keep_alive=60)


@pytest.fixture(scope="module")
def impatient_port():
    """A server that waits at most a second for a request's head."""
    yield from _serve(timeout_keep_alive=1)


def _serve(timeout_keep_alive: int):
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=0, http=BoundedHttpToolsProtocol, lifespan="off",
        log_level="error", loop="asyncio", timeout_keep_alive=timeout_keep_alive,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(10)


def _exchange(port: int, data: bytes) -> bytes:
    """What the server answers to `data`, read until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        try:
            client.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it may close while the rest of the head is still being sent
        received = b""
        try:
            while chunk := client.recv(65536):
                received += chunk
        except ConnectionResetError:  # closed with the rest of the head unread: the answer
            pass  # came first, or the reset took it (then the test sees no answer)
    return received


def _request(header_bytes: int, body: bytes = b"", close: bool = True) -> bytes:
    head = [b"POST /x HTTP/1.1", b"host: t", b"content-length: %d" % len(body)]
    if close:
        head.append(b"connection: close")
    head.append(b"x-filler: " + b"a" * header_bytes)
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def test_a_head_under_the_bound_is_served(server_port) -> None:
    answer = _exchange(server_port, _request(MAX_HEAD_BYTES - 200, body=b"x" * 100_000))

    assert answer.startswith(b"HTTP/1.1 200")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["body"] == 100_000


@pytest.mark.parametrize("size", [MAX_HEAD_BYTES + 1, 1_000_000, 20_000_000])
def test_a_head_past_the_bound_is_431_and_the_connection_closed(server_port, size) -> None:
    answer = _exchange(server_port, _request(size))

    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    body = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "headers_too_large"


def test_each_request_on_a_kept_alive_connection_has_its_own_bound(server_port) -> None:
    """Three requests of 12 KiB of headers in a row: 36 KiB on the connection, each served."""
    three = _request(12 * 1024, close=False) * 2 + _request(12 * 1024)

    answer = _exchange(server_port, three)

    assert answer.count(b"HTTP/1.1 200") == 3
    assert b"431" not in answer


def _closed_after(port: int, data: bytes) -> tuple[bytes, float]:
    """What the server answers to `data` (sent, then nothing more), and when it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        started = time.monotonic()
        client.sendall(data)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
        return received, time.monotonic() - started


@pytest.mark.parametrize(
    "sent", [b"", b"POST /x HTTP/1.1\r\nhost: t\r\n"], ids=["nothing", "part of a head"]
)
def test_a_connection_whose_head_does_not_come_is_closed(impatient_port, sent) -> None:
    answer, after = _closed_after(impatient_port, sent)

    assert 0.5 < after < 5
    if sent:
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout")
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "request_timeout"
    else:
        assert answer == b""


def test_a_slow_answer_is_not_cut_by_the_head_s_time(impatient_port) -> None:
    """The head came in time: the answer may take longer, and the connection then has the
    keep-alive's time again for its next head."""
    request = _request(10, close=False).replace(b"POST /x", b"POST /slow")
    answer, after = _closed_after(impatient_port, request)

    assert answer.count(b"HTTP/1.1 200") == 1
    assert 2.5 < after < 8  # 2 s of answer, then about a second of keep-alive
