"""The dead man's switch, an extension of SPEC.md (API.md, "Order control").

`{"op": "cancel_after", "user": U, "timeout_ms": N}` arms user U's switch to fire at the
engine's time (its clock, after this command's `ts`) + N ms, replacing an earlier deadline;
N: Final = 0 disarms it. It answers `(CONFIGURED, "cancel_after", U)`, or `(REFUSED,
"cancel_after", U, U, reason)` changing nothing: `invalid_user` (no user),
`invalid_timeout_ms` (N not an integer from 1000 to 600000, nor 0).

The switch fires when the engine's clock reaches the deadline (any later command's `ts`,
the periodic `tick` included, so a replay fires it at the same sequence number): each live
order of the user, resting or waiting, in every market, is cancelled in order of id, with
reason `cancel_after`, before the command that moved the clock runs; the switch is then
disarmed. Switches due at the same time fire in order of deadline, then user.
"""

from __future__ import annotations

import heapq
from typing import Final

MIN_TIMEOUT_MS: Final = 1000
MAX_TIMEOUT_MS: Final = 600_000
CANCEL_AFTER: Final = "cancel_after"  # the op, and the reason of the orders it cancels


class CancelAfter:
    """Each user's armed deadline, and a heap of them (stale entries dropped when reached)."""

    __slots__ = ("deadlines", "heap")

    def __init__(self) -> None:
        self.deadlines: dict[int | str, int] = {}
        self.heap: list[tuple[int, str, int | str]] = []  # (deadline, user as text, user)

    def arm(self, user: int | str, deadline: int) -> None:
        self.deadlines[user] = deadline
        heapq.heappush(self.heap, (deadline, str(user), user))

    def disarm(self, user: int | str) -> None:
        self.deadlines.pop(user, None)  # its heap entry is dropped when reached

    def next_deadline(self) -> int | None:
        """The earliest armed deadline, or None. Drops the stale entries before it."""
        heap, deadlines = self.heap, self.deadlines
        while heap and deadlines.get(heap[0][2]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, clock: int) -> list[int | str]:
        """The users whose switch fires at or before `clock`, disarmed, in firing order."""
        due: list[int | str] = []
        while True:
            deadline = self.next_deadline()
            if deadline is None or deadline > clock:
                return due
            _, _, user = heapq.heappop(self.heap)
            del self.deadlines[user]
            due.append(user)


def timeout_of(cmd: dict) -> int | None:
    """The command's valid `timeout_ms`, or None."""
    timeout = cmd.get("timeout_ms")
    if type(timeout) is not int:
        return None
    if timeout == 0 or MIN_TIMEOUT_MS <= timeout <= MAX_TIMEOUT_MS:
        return timeout
    return None
