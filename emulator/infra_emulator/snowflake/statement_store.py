"""Submitted statements and their handles: running, finished or failed, fetchable by handle.

A request runs in a worker thread; the HTTP request waits for it (synchronous) or answers 202 at once
(async=true). Handles stay fetchable until the store has seen MAX_KEPT newer ones. Request IDs map to the
handle they started, so a retried request returns the first result instead of running again.
"""

from __future__ import annotations

import collections
import threading
import time
import uuid
from dataclasses import dataclass, field

from .engine import Cancellation
from .errors import SqlError
from .results import Result

MAX_KEPT = 5000


@dataclass
class StatementRecord:
    handle: str
    created_on: int  # epoch milliseconds, as the SQL API reports createdOn
    cancellation: Cancellation = field(default_factory=Cancellation)
    done: threading.Event = field(default_factory=threading.Event)
    result: Result | None = None
    error: SqlError | None = None
    # A multi-statement request's children, in order.
    child_handles: list[str] | None = None
    # ?nullable=false on submit: nulls are sent as the text "null".
    nullable: bool = True
    request_id: str | None = None

    def finish(self, result: Result | None = None, error: SqlError | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


class StatementStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: collections.OrderedDict[str, StatementRecord] = collections.OrderedDict()
        self._by_request_id: collections.OrderedDict[str, str] = collections.OrderedDict()

    def new(self) -> StatementRecord:
        record = StatementRecord(handle=str(uuid.uuid4()), created_on=int(time.time() * 1000))
        with self._lock:
            self._records[record.handle] = record
            while len(self._records) > MAX_KEPT:
                self._records.popitem(last=False)
        return record

    def get(self, handle: str) -> StatementRecord | None:
        with self._lock:
            return self._records.get(handle)

    def remember_request(self, request_id: str, handle: str) -> None:
        with self._lock:
            self._by_request_id[request_id] = handle
            while len(self._by_request_id) > MAX_KEPT:
                self._by_request_id.popitem(last=False)

    def for_request(self, request_id: str) -> StatementRecord | None:
        with self._lock:
            handle = self._by_request_id.get(request_id)
            return self._records.get(handle) if handle else None
