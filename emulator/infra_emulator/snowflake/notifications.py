"""The SQS queue Snowflake gives auto-ingest pipes and auto-refresh external tables (their notification_channel).

As in Snowflake, one queue serves every such object in the account; its name is made once and kept in the
catalog. The queue is created in the local AWS with the admin key, again whenever the AWS side restarted
(moto keeps no state), so the ARN SHOW PIPES reports always names a queue that exists.
"""

from __future__ import annotations

import random
import string
import threading
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from .errors import SqlError
from .s3access import AwsUnavailable

if TYPE_CHECKING:
    from .engine import Engine

# Queue name → the bootstrap (dict object) of the AWS start it was created in: AwsAccess reads a new dict
# when the AWS side rewrites its bootstrap file, i.e. restarted with an empty state.
_created_for: dict[str, object] = {}
_lock = threading.Lock()


def queue_name(engine: Engine) -> str:
    settings = engine.catalog.get("account", ("SNOWPIPE",))
    if settings is None:
        rng = random.SystemRandom()
        user_id = "AIDA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))
        suffix = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(22))
        settings = {"parts": ["SNOWPIPE"], "queue_name": f"sf-snowpipe-{user_id}-{suffix}"}
        engine.catalog.put("account", ("SNOWPIPE",), settings)
    return settings["queue_name"]


def queue_arn(engine: Engine) -> str:
    aws = engine.aws
    return f"arn:aws:sqs:{aws.region}:{aws.account_id}:{queue_name(engine)}"


def ensure_queue(engine: Engine, required: bool = True) -> str:
    """The queue's ARN, creating the queue unless this AWS start already has it.

    `required`: fail the statement when the local AWS cannot be reached (CREATE PIPE); otherwise (SHOW)
    report the ARN anyway.
    """
    name = queue_name(engine)
    bootstrap = engine.aws.bootstrap()
    with _lock:
        if bootstrap is not None and _created_for.get(name) is bootstrap:
            return queue_arn(engine)
        try:
            sqs = engine.aws.client("sqs", "admin")
            sqs.create_queue(QueueName=name)
            _created_for[name] = bootstrap
        except (AwsUnavailable, BotoCoreError, ClientError) as e:
            if required:
                raise SqlError("000603", "XX000", f"Processing aborted: cannot create the pipe's notification queue "
                               f"in the local AWS ({e}).") from None
    return queue_arn(engine)
