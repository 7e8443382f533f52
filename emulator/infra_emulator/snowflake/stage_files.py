"""The files behind a stage reference (`@db.schema.stage/path/`): S3 objects or an internal stage's directory.

An external stage is read through its storage integration (trust.py: allowed locations, trust policy,
assumed role); an internal stage's files live under DIR/stages/<db>/<schema>/<stage>/.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from .errors import SqlError
from .implicit_stages import parse_stage_reference  # noqa: F401 - re-exported for the statement modules
from .stage_statements import internal_stage_directory, stage_record
from .stage_transfer import settle_uploads
from .trust import assume_integration_role, check_location_allowed, stage_error

if TYPE_CHECKING:
    from .engine import Context

@dataclass
class StageFile:
    name: str  # as LIST and COPY report it: s3://bucket/key, or stage/relative/path for internal stages
    relative: str  # the path under the stage's location (METADATA$FILENAME)
    size: int
    md5: str
    last_modified: datetime.datetime
    read: Callable[[], bytes]

    def last_modified_text(self) -> str:
        return self.last_modified.strftime("%a, %d %b %Y %H:%M:%S GMT")


@dataclass
class StageLocation:
    """A stage plus a path under it, resolved and authorised."""

    stage: dict[str, Any]
    path: str  # under the stage, without a leading slash; may be ""
    list_files: Callable[[], list[StageFile]]
    delete: Callable[[StageFile], None]

    @property
    def parts(self) -> tuple[str, str, str]:
        return tuple(self.stage["parts"])  # type: ignore[return-value]


def open_location(ctx: Context, parts: tuple[str, str, str], path: str) -> StageLocation:
    stage = stage_record(ctx, parts)
    if stage["url"]:
        return _s3_location(ctx, stage, path)
    return _internal_location(ctx, stage, path)


def _s3_location(ctx: Context, stage: dict[str, Any], path: str) -> StageLocation:
    url = stage["url"] if stage["url"].endswith("/") or not path else stage["url"] + "/"
    full_url = url + path
    name = stage.get("storage_integration")
    if not name:
        raise SqlError.unsupported("external stages without a storage integration (CREDENTIALS)")
    integration = ctx.engine.catalog.get("integrations", (name,))
    if integration is None:
        raise SqlError.does_not_exist("Integration", name)
    check_location_allowed(integration, full_url)
    credentials = assume_integration_role(ctx.engine.aws, integration)
    s3 = ctx.engine.aws.client("s3", credentials=credentials)
    bucket, _, stage_prefix = stage["url"][len("s3://"):].partition("/")
    prefix = full_url[len("s3://") + len(bucket) + 1:]

    def list_files() -> list[StageFile]:
        files = []
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    key = obj["Key"]
                    if key.endswith("/"):
                        continue
                    files.append(StageFile(
                        name=f"s3://{bucket}/{key}",
                        relative=key[len(stage_prefix):] if key.startswith(stage_prefix) else key,
                        size=obj["Size"], md5=obj["ETag"].strip('"'), last_modified=obj["LastModified"],
                        read=lambda key=key: _get(s3, bucket, key),
                    ))
        except (ClientError, BotoCoreError) as e:
            raise stage_error(e) from None
        return files

    def delete(file: StageFile) -> None:
        try:
            s3.delete_object(Bucket=bucket, Key=file.name[len(f"s3://{bucket}/"):])
        except (ClientError, BotoCoreError) as e:
            raise stage_error(e) from None

    return StageLocation(stage, path, list_files, delete)


def _get(s3: Any, bucket: str, key: str) -> bytes:
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as e:
        raise stage_error(e) from None


def _internal_location(ctx: Context, stage: dict[str, Any], path: str) -> StageLocation:
    root = internal_stage_directory(ctx, tuple(stage["parts"]))
    settle_uploads(ctx.engine.directory)
    # LIST names a named stage's files after the stage; a table's or user's stage's by their path alone.
    prefix = "" if stage.get("implicit") else stage["name"].lower() + "/"

    def list_files() -> list[StageFile]:
        files = []
        for directory, _, names in os.walk(root):
            for file_name in names:
                full = os.path.join(directory, file_name)
                relative = os.path.relpath(full, root).replace(os.sep, "/")
                if not relative.startswith(path):
                    continue
                with open(full, "rb") as f:
                    digest = hashlib.md5(f.read()).hexdigest()
                stat = os.stat(full)
                files.append(StageFile(
                    name=prefix + relative, relative=relative, size=stat.st_size, md5=digest,
                    last_modified=datetime.datetime.fromtimestamp(stat.st_mtime, datetime.timezone.utc),
                    read=lambda full=full: open(full, "rb").read(),
                ))
        return sorted(files, key=lambda f: f.name)

    def delete(file: StageFile) -> None:
        os.remove(os.path.join(root, file.relative))

    return StageLocation(stage, path, list_files, delete)


def select_files(files: list[StageFile], location_path: str, names: list[str] | None,
                 pattern: str | None) -> list[StageFile]:
    """FILES = (...) are relative to the FROM location; PATTERN is matched against the whole path."""
    chosen = files
    if names:
        wanted = {(location_path.rstrip("/") + "/" + n.lstrip("/")).lstrip("/") if location_path else n.lstrip("/")
                  for n in names}
        chosen = [f for f in chosen if f.relative in wanted]
    if pattern:
        regex = re.compile(pattern)
        chosen = [f for f in chosen if regex.fullmatch(f.relative) or regex.fullmatch(f.name)
                  or regex.fullmatch(f.name.split("://", 1)[-1])]
    return chosen
