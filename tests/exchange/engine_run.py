"""An engine run in the test process as the matcher runs it, for tests of what the
persister writes from its batches."""

from __future__ import annotations

from matching.engine import Engine
from matching.service.event_format import event_dict
from matching.service.persister import Item

START_MS = 1_700_000_000_000


class Matcher:
    """An engine run as `matching.service.matcher` runs it: ids and times stamped on each command,
    each journaled command an `Item` of its events as dicts."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.clock = START_MS

    def run(self, *commands: dict) -> list[Item]:
        items = []
        for command in commands:
            self.clock += 7
            command = {**command, "ts": self.clock}
            if command.get("op") == "new":
                command["id"] = self.engine.seq + 1
            seq_before = self.engine.seq
            events = self.engine.process(command)
            assert self.engine.seq == seq_before + 1, (command, events)
            dicts = [event_dict(self.engine, event) for event in events]
            items.append(Item(self.engine.seq, self.clock, command, dicts))
        return items
