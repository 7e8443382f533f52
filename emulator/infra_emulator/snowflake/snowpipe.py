"""Snowpipe auto-ingest: S3 event notifications on the account's SQS queue load new files through their pipe.

S3 buckets are pointed at a pipe's notification_channel (the account's one queue). A background thread
reads that queue every POLL_SECONDS; each ObjectCreated record whose object lies under an auto-ingest
pipe's stage location is loaded by that pipe's COPY (files already loaded are skipped as by any COPY,
ON_ERROR defaults to SKIP_FILE as in Snowpipe). Paused pipes leave their files for later: messages are
only deleted once every record in them was handled.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from .copy_statements import parse_copy, run_copy
from .engine import Context
from .errors import SqlError
from .notifications import ensure_queue, queue_name
from .s3access import AwsUnavailable

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("infra_emulator.snowflake")
POLL_SECONDS = 1.0


def s3_objects(body: str) -> list[str]:
    """The s3://bucket/key of each ObjectCreated record in an S3 notification (plain or inside SNS)."""
    try:
        message = json.loads(body)
    except ValueError:
        return []
    if isinstance(message, dict) and "Message" in message and "Records" not in message:
        return s3_objects(message["Message"])  # delivered through SNS
    objects = []
    for record in message.get("Records", []) if isinstance(message, dict) else []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3", {})
        bucket = s3.get("bucket", {}).get("name")
        key = s3.get("object", {}).get("key")
        if bucket and key:
            objects.append(f"s3://{bucket}/{urllib.parse.unquote_plus(key)}")
    return objects


class SnowpipePoller:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="snowpipe")

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)

    def _run(self) -> None:
        while not self.stop.wait(POLL_SECONDS):
            try:
                self.poll_once()
            except (AwsUnavailable, BotoCoreError, ClientError) as e:
                log.debug("snowpipe: local AWS not reachable: %s", e)
            except Exception:
                log.exception("snowpipe: polling failed")

    def _auto_ingest_pipes(self) -> list[dict[str, Any]]:
        return [p for p in self.engine.catalog.values("pipes") if p.get("auto_ingest")]

    def poll_once(self) -> int:
        """Reads the queue once, loads what it announces; returns how many files were loaded."""
        pipes = self._auto_ingest_pipes()
        if not pipes or self.engine.aws.bootstrap() is None:
            return 0
        ensure_queue(self.engine)
        sqs = self.engine.aws.client("sqs", "admin")
        url = sqs.get_queue_url(QueueName=queue_name(self.engine))["QueueUrl"]
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        loaded = 0
        for message in messages:
            objects = s3_objects(message.get("Body", ""))
            handled, count = self._load(objects)
            loaded += count
            if handled:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return loaded

    def _load(self, objects: list[str]) -> tuple[bool, int]:
        """Runs each matching pipe's COPY on the announced files; (all handled, files loaded)."""
        if not objects:
            return True, 0
        handled, loaded = True, 0
        with self.engine.lock:
            for pipe in self._auto_ingest_pipes():
                session = self.engine.new_session("SNOWPIPE", pipe["parts"][0], pipe["parts"][1])
                context = Context(self.engine, session, pipe["definition"])
                try:
                    plan = parse_copy(context, pipe["definition"])
                    stage = self.engine.catalog.get("stages", plan.stage)
                    if stage is None or not stage["url"]:
                        continue
                    location = stage["url"] if stage["url"].endswith("/") else stage["url"] + "/"
                    location += plan.path
                    files = [o[len(location):] for o in objects if o.startswith(location)]
                    if not files:
                        continue
                    if pipe.get("paused"):
                        handled = False
                        continue
                    plan.options["FILES"] = files
                    plan.options.setdefault("ON_ERROR", "SKIP_FILE")
                    result = run_copy(context, plan)
                    loaded += sum(1 for row in result.dicts() if row.get("status") in ("LOADED", "PARTIALLY_LOADED"))
                except SqlError as e:
                    log.warning("snowpipe %s: %s", ".".join(pipe["parts"]), e.message.split("\n")[0])
                finally:
                    session.close()
        return handled, loaded
