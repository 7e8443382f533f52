"""Small file helpers shared by the launcher and the servers."""

import json
import os
import tempfile
from typing import Any


def write_json_atomically(path: str, data: Any, mode: int = 0o644) -> None:
    """Writes JSON to a temp file beside `path`, then renames it over `path`, so a reader never sees a
    half-written file. `mode` is set before any byte is written (secrets never sit in a readable file)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp_path = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
    except BaseException:
        try:
            os.unlink(temp_path)
        except FileNotFoundError:
            pass
        raise


def read_json(path: str) -> Any | None:
    """The JSON in `path`, or None when the file is missing or not valid JSON."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (FileNotFoundError, json.JSONDecodeError):
        return None
