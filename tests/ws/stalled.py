"""A WebSocket client that stops reading: a raw socket with a small receive buffer, so the
server's writes back up into its own buffers (a library client would keep reading into
memory on a thread of its own)."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct


class StalledClient:
    def __init__(self, port: int, receive_buffer: int = 4096) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /ws/v1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def send(self, message: dict) -> None:
        """One masked text frame, as clients must send."""
        payload = json.dumps(message).encode()
        assert len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + masked)

    def read_to_the_end(self, timeout: float = 30) -> tuple[bytes, bool]:
        """Everything the server still sends, and whether it ended the connection (EOF or
        reset) within `timeout` seconds of silence."""
        self.sock.settimeout(timeout)
        data = b""
        try:
            while chunk := self.sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            return data, False
        return data, True

    def close(self) -> None:
        self.sock.close()
