"""The emulator's own persisted catalog: what Snowflake records that DuckDB and fakesnow do not.

DuckDB holds the data (databases as files, schemas, tables, rows). This catalog holds the rest:
database/schema/table properties (comments, retention, transient, keys, clustering), account objects
(users' keys, storage integrations, warehouses), schema objects fakesnow lacks or keeps only in memory
(stages, file formats, pipes, external tables), and COPY load history. It is one JSON file, rewritten
atomically after each change, so a restart keeps everything.

Objects are keyed by their qualified SQL name (e.g. `RAW.EVENTS.T1`, quoted parts kept quoted), which is
unambiguous and readable in the file.
"""

from __future__ import annotations

import copy
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
    # access control (privileges.py): custom roles, object owners, privilege, role and future grants
    "roles",
    "owners",
    "grants",
    "role_grants",
    "future_grants",
)


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def key(parts: tuple[str, ...] | list[str]) -> str:
    return qualified_sql(tuple(parts))


class Catalog:
    def __init__(self, path: str):
        self.path = path
        self._lock = threading.RLock()
        self.data: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                loaded = json.load(f)
            for section in SECTIONS:
                self.data[section] = loaded.get(section, {})

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
            self.save()

    def remove(self, section: str, parts: tuple[str, ...]) -> dict[str, Any] | None:
        with self._lock:
            record = self.data[section].pop(key(parts), None)
            self.save()
            return record

    def remove_under(self, prefix: tuple[str, ...]) -> None:
        """Drops every schema-level record inside a database or schema (DROP DATABASE/SCHEMA)."""
        with self._lock:
            for section in ("schemas", "tables", "stages", "file_formats", "pipes", "external_tables", "load_history"):
                for k, record in list(self.data[section].items()):
                    parts = tuple(record.get("parts", ()))
                    if parts[: len(prefix)] == prefix and len(parts) > len(prefix):
                        del self.data[section][k]
            self.save()

    def save(self) -> None:
        with self._lock:
            snapshot = copy.deepcopy(self.data)
            directory = os.path.dirname(self.path) or "."
            fd, temp = tempfile.mkstemp(prefix=".catalog-", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(snapshot, f, indent=1, sort_keys=True)
            os.replace(temp, self.path)
