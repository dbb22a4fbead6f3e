"""A clock the test moves by hand, for code that takes `clock=` (time.monotonic's stand-in)."""


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
