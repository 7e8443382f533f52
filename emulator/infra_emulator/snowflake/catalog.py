"""The emulator's own persisted catalog: what Snowflake records that DuckDB and fakesnow do not.

DuckDB holds the data (databases as files, schemas, tables, rows). This catalog holds the rest:
database/schema/table properties (comments, retention, transient, keys, clustering), account objects
(users' keys, storage integrations, warehouses), schema objects fakesnow lacks or keeps only in memory
(stages, file formats, pipes, external tables), and COPY load history, so a restart keeps everything.

It is kept in two files: `catalog.json`, a snapshot written atomically (temporary file, then rename), and
`catalog.journal`, one JSON line per change since that snapshot (a record put, removed, or a database's or
schema's records removed). Each change is appended and flushed before the statement that made it answers, so
a finished statement survives a crash as before; rewriting the whole catalog after every change made applying
N objects cost O(N²). Loading reads the snapshot and replays the journal (a last line cut short by a crash
belonged to a statement that never answered, and is ignored), then writes a fresh snapshot. Once the journal
outgrows the snapshot, the snapshot is rewritten and the journal emptied; a crash between the two replays
changes already in the snapshot, which is harmless, as each change sets or removes records outright.

Objects are keyed by their qualified SQL name (e.g. `RAW.EVENTS.T1`, quoted parts kept quoted), which is
unambiguous and readable in the file.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import threading
from typing import Any

from .sqltext import qualified_sql

SECTIONS = (
    "databases",
    "schemas",
    "tables",
    "users",
    "integrations",
    "warehouses",
    "stages",
    "file_formats",
    "pipes",
    "external_tables",
    "load_history",
    "account",  # account-wide settings, e.g. the SQS queue every auto-ingest pipe shares
    # access control (privileges.py): custom roles, object owners, privilege, role and future grants,
    # database roles
    "roles",
    "owners",
    "grants",
    "role_grants",
    "future_grants",
    "database_roles",
)


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def key(parts: tuple[str, ...] | list[str]) -> str:
    return qualified_sql(tuple(parts))


class Catalog:
    def __init__(self, path: str):
        self.path = path
        self.journal_path = os.path.splitext(path)[0] + ".journal"
        self._lock = threading.RLock()
        self.data: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
        self._journal: Any = None
        self._journal_bytes = 0
        self._snapshot_bytes = 0
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                loaded = json.load(f)
            for section in SECTIONS:
                self.data[section] = loaded.get(section, {})
            self._snapshot_bytes = os.path.getsize(path)
        if os.path.exists(self.journal_path):
            with open(self.journal_path, encoding="utf-8") as f:
                for line in f:
                    try:
                        change = json.loads(line)
                    except ValueError:
                        break  # cut short by a crash: its statement never answered
                    self._replay(change)
            self.save()

    # -- reading -------------------------------------------------------------------------------
    def get(self, section: str, parts: tuple[str, ...]) -> dict[str, Any] | None:
        return self.data[section].get(key(parts))

    def items(self, section: str) -> list[tuple[str, dict[str, Any]]]:
        return list(self.data[section].items())

    def values(self, section: str) -> list[dict[str, Any]]:
        return list(self.data[section].values())

    # -- changing (each change is saved at once) -----------------------------------------------
    def put(self, section: str, parts: tuple[str, ...], record: dict[str, Any]) -> None:
        with self._lock:
            self.data[section][key(parts)] = record
            self._record({"put": section, "key": key(parts), "record": record})

    def remove(self, section: str, parts: tuple[str, ...]) -> dict[str, Any] | None:
        with self._lock:
            record = self.data[section].pop(key(parts), None)
            if record is not None:
                self._record({"remove": section, "key": key(parts)})
            return record

    def remove_under(self, prefix: tuple[str, ...]) -> None:
        """Drops every schema-level record inside a database or schema (DROP DATABASE/SCHEMA)."""
        with self._lock:
            if self._remove_under(prefix):
                self._record({"remove_under": list(prefix)})

    def _remove_under(self, prefix: tuple[str, ...]) -> bool:
        removed = False
        for section in ("schemas", "tables", "stages", "file_formats", "pipes", "external_tables", "load_history"):
            for k, record in list(self.data[section].items()):
                parts = tuple(record.get("parts", ()))
                if parts[: len(prefix)] == prefix and len(parts) > len(prefix):
                    del self.data[section][k]
                    removed = True
        return removed

    def _replay(self, change: dict[str, Any]) -> None:
        if "put" in change:
            self.data[change["put"]][change["key"]] = change["record"]
        elif "remove" in change:
            self.data[change["remove"]].pop(change["key"], None)
        elif "remove_under" in change:
            self._remove_under(tuple(change["remove_under"]))

    def _record(self, change: dict[str, Any]) -> None:
        """Appends one change to the journal, flushed to the OS before the caller goes on."""
        if self._journal is None:
            self._journal = open(self.journal_path, "a", encoding="utf-8")
        line = json.dumps(change, separators=(",", ":")) + "\n"
        self._journal.write(line)
        self._journal.flush()
        self._journal_bytes += len(line)
        # Rewritten when the journal outgrows it: the snapshot's cost spreads over as many changes as it holds.
        if self._journal_bytes > max(1 << 20, self._snapshot_bytes):
            self.save()

    def save(self) -> None:
        """Writes the whole catalog as the new snapshot and empties the journal."""
        with self._lock:
            text = json.dumps(self.data, indent=1, sort_keys=True)
            directory = os.path.dirname(self.path) or "."
            fd, temp = tempfile.mkstemp(prefix=".catalog-", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(temp, self.path)
            if self._journal is not None:
                self._journal.close()
            self._journal = open(self.journal_path, "w", encoding="utf-8")
            self._journal_bytes = 0
            self._snapshot_bytes = len(text)

    def close(self) -> None:
        with self._lock:
            self.save()
            self._journal.close()
            self._journal = None
