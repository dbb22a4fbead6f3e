"""The Django secret key kept in the data directory when SECRET_KEY is not set (API.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"


def secret_key_kept_in(data_dir: Path) -> str:
    """The key stored in `data_dir`, made (readable by the owner only) on first use.

    Creation is exclusive, so processes starting together agree on one key.
    """
    path = data_dir / FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if key:
            return key
        # a creator died between creating and writing it: nothing uses that key yet
        path.unlink(missing_ok=True)
        return secret_key_kept_in(data_dir)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
        handle.flush()
        os.fsync(handle.fileno())
    return path.read_text().strip()
