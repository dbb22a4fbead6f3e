"""redis-py's asyncio connection, cheaper per command for the order path's many small ones.

Every asyncio Redis client of the exchange (the transport, exchange/redis_turn.py, the
disconnect registry) connects with `PackedConnection` when its URL is `redis://` (a
`rediss://` or `unix://` URL keeps redis-py's own class for it). It differs from redis-py's
`Connection` in two ways, both as redis-py itself does elsewhere:

- commands are packed by hiredis's C packer, as redis-py's synchronous client does when
  hiredis is installed (its `HiredisRespSerializer`): the same bytes and the same DataError
  for a value Redis cannot take, where the asyncio client's Python packer cost about 10 µs
  a command;
- a connection with a socket timeout bounds the write with `asyncio.timeout` on the
  caller's task, where redis-py's `asyncio.wait_for` makes a task, and costs a turn of the
  event loop, for every command sent; and only a write the socket did not take at once
  can wait, so only then is the timer armed.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import hiredis
from redis.asyncio.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as RedisTimeoutError


class PackedConnection(Connection):
    def pack_command(self, *args) -> list[bytes]:
        """redis-py's packing, by hiredis: a first argument of several words (`CONFIG GET`)
        is split into as many arguments."""
        if isinstance(args[0], str):
            args = (*args[0].encode().split(), *args[1:])
        elif b" " in args[0]:
            args = (*args[0].split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError as error:  # a None, a bool, an object: as redis-py's encoder says
            raise DataError(f"Invalid input: {error}") from error

    async def send_packed_command(self, command, check_health: bool = True) -> None:
        """redis-py's, the write bounded by the socket timeout on the calling task."""
        if not self.socket_timeout:
            return await super().send_packed_command(command, check_health)
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()
        if isinstance(command, str):
            command = command.encode()
        if isinstance(command, bytes):
            command = [command]
        try:
            self._writer.writelines(command)
            if not self._writer.transport.get_write_buffer_size():
                # the socket took it all: drain cannot wait (it only raises a lost
                # connection's error), so no timer is armed and cancelled for it
                await self._writer.drain()
            else:
                async with asyncio.timeout(self.socket_timeout):
                    await self._writer.drain()
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as error:
            await self.disconnect(nowait=True)
            raise RedisConnectionError(f"Error while writing to socket. {error}.") from error
        except BaseException:
            # a write cut short leaves the connection unusable: redis-py drops it too
            await self.disconnect(nowait=True)
            raise
        return None


def connection_options(url: str) -> dict:
    """The keyword arguments that give a client or pool of `url` this module's connection
    (none for a URL whose scheme chooses redis-py's own class)."""
    return {"connection_class": PackedConnection} if urlsplit(url).scheme == "redis" else {}
