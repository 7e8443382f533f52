"""PUT and GET on the connector port: the driver moves the bytes, the server says where.

  PUT file://<path or glob> <internal stage>[/<path>] [PARALLEL = n] [AUTO_COMPRESS = TRUE|FALSE]
      [SOURCE_COMPRESSION = AUTO_DETECT|GZIP|...|NONE] [OVERWRITE = TRUE|FALSE]
  GET <internal stage>[/<path>] file://<local directory> [PARALLEL = n] [PATTERN = '<regex>']

(docs: sql-reference/sql/put, sql-reference/sql/get). As with Snowflake, the server answers a PUT or GET
with a transfer description and the driver does the copying (snowflake-connector-python's
file_transfer_agent.py). The emulator runs on the client's machine, so it describes a LOCAL_FS location,
the storage type the drivers use for local stages: for GET the stage's own directory and the files to
copy (`src_locations`), for PUT the stage's directory, or an upload area when the stage may already
hold one of the files.

Why an upload area: with OVERWRITE = FALSE (the default) Snowflake keeps a file that already exists in the
stage. The drivers check that by asking the storage for the file first, which LOCAL_FS cannot answer, so
such a PUT writes into DIR/uploads/<id>/ and the server moves the files into the stage before the next
statement reads stage files (`settle_uploads`), keeping the files the stage holds. The driver still reports
such a file as UPLOADED where Snowflake says SKIPPED; the stage's content is Snowflake's.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import threading
import time
import urllib.parse
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

from .errors import SqlError
from .sqltext import STRING, TokenStream, tokenize

if TYPE_CHECKING:
    from .engine import Context

PUT_OPTIONS = {"PARALLEL", "AUTO_COMPRESS", "SOURCE_COMPRESSION", "OVERWRITE"}
GET_OPTIONS = {"PARALLEL", "PATTERN"}
_settle_lock = threading.Lock()


def is_transfer(text: str) -> bool:
    return _COMMAND.match(text) is not None


# Read from the raw text: `//` in a file URI would start a comment for the tokenizer.
_COMMAND = re.compile(r"\s*(PUT|GET)\s", re.IGNORECASE)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _quoted_at(text: str, i: int) -> tuple[str, int]:
    token = tokenize(text[i:])[0]
    if token.kind != STRING:
        raise SqlError.syntax("unterminated string", position=i)
    return token.value, i + token.end


def _local_path_at(text: str, start: int) -> tuple[str, int]:
    """The file:// URI at text[start:], quoted or not, as a local path (globs kept for the driver)."""
    i = _skip_space(text, start)
    if text.startswith("'", i):
        uri, end = _quoted_at(text, i)
    else:
        end = i
        while end < len(text) and not text[end].isspace():
            end += 1
        uri = text[i:end]
    if not uri.lower().startswith("file://"):
        raise SqlError.syntax(f"unexpected '{uri}', expected a file:// location", position=i)
    parsed = urllib.parse.urlparse(uri)
    path = urllib.request.url2pathname(parsed.path)
    if parsed.netloc and parsed.netloc.lower() != "localhost":
        path = parsed.netloc + path
    return os.path.expanduser(path), end


def _stage_at(ctx: Context, text: str, start: int, command: str) -> tuple[str, str, int]:
    """(the internal stage's directory, the path under it, where the reference ends) at text[start:]."""
    from .implicit_stages import parse_reference_at
    from .stage_statements import internal_stage_directory, stage_record

    i = _skip_space(text, start)
    if text.startswith("'", i):
        reference, end = _quoted_at(text, i)
        parsed = parse_reference_at(ctx, reference, 0)
        if parsed is None or parsed[2] != len(reference):
            raise SqlError.syntax(f"invalid stage location '{reference}'", position=i)
    else:
        parsed = parse_reference_at(ctx, text, i)
        if parsed is None:
            raise SqlError.syntax(f"unexpected '{text[i:i + 20]}', expected a stage (@name, @%table or @~)",
                                  position=i)
        end = parsed[2]
    parts, path, _ = parsed
    stage = stage_record(ctx, parts)
    if stage["url"]:
        raise SqlError.unsupported(f"{command} with an external stage (only internal stages hold files)")
    return internal_stage_directory(ctx, parts), path, end


def _flag(options: dict[str, Any], key: str, default: bool) -> bool:
    value = options.get(key, default)
    return value is True or str(value).upper() == "TRUE"


def _parallel(options: dict[str, Any]) -> int:
    value = options.get("PARALLEL", 4)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
        raise SqlError.invalid(f"invalid value [{value}] for parameter 'PARALLEL'")
    return value


def _options(text: str, allowed: set[str], command: str) -> dict[str, Any]:
    options = TokenStream(text).options_until()
    for key in options:
        if key not in allowed:
            raise SqlError.invalid(f"invalid property '{key}' for '{command}'")
    return options


def put(ctx: Context) -> dict[str, Any]:
    text = ctx.text
    local, end = _local_path_at(text, _COMMAND.match(text).end())  # type: ignore[union-attr]
    root, path, end = _stage_at(ctx, text, end, "PUT")
    options = _options(text[end:], PUT_OPTIONS, "PUT")
    settle_uploads(ctx.engine.directory)
    target = os.path.join(root, *[p for p in path.split("/") if p])
    overwrite = _flag(options, "OVERWRITE", False)
    if overwrite or not _may_collide(local, target):
        os.makedirs(target, exist_ok=True)
        location = target
    else:
        # Named so that uploads settle in the order the PUTs ran.
        location = os.path.join(ctx.engine.directory, "uploads", f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}")
        os.makedirs(location)
        with open(location + ".json", "w") as f:
            json.dump({"target": target, "overwrite": overwrite}, f)
    return {
        "command": "UPLOAD",
        "src_locations": [local],
        "stageInfo": {"locationType": "LOCAL_FS", "location": location, "path": "", "creds": {}},
        "parallel": _parallel(options),
        "autoCompress": _flag(options, "AUTO_COMPRESS", True),
        "sourceCompression": str(options.get("SOURCE_COMPRESSION", "AUTO_DETECT")).lower(),
        "overwrite": _flag(options, "OVERWRITE", False),
    }


def _may_collide(local: str, target: str) -> bool:
    """Whether a file of the PUT could meet one the stage holds (as named, or gzip-compressed)."""
    names = [os.path.basename(p) for p in glob.glob(local)] or [os.path.basename(local)]
    return any(os.path.exists(os.path.join(target, n)) or os.path.exists(os.path.join(target, n + ".gz"))
               for n in names)


def get(ctx: Context) -> dict[str, Any]:
    from .stage_files import select_files

    text = ctx.text
    root, path, end = _stage_at(ctx, text, _COMMAND.match(text).end(), "GET")  # type: ignore[union-attr]
    local, end = _local_path_at(text, end)
    options = _options(text[end:], GET_OPTIONS, "GET")
    settle_uploads(ctx.engine.directory)
    relatives = []
    for directory, _, names in os.walk(root):
        for name in names:
            relatives.append(os.path.relpath(os.path.join(directory, name), root).replace(os.sep, "/"))
    chosen = sorted(r for r in relatives if r.startswith(path))
    if options.get("PATTERN"):
        chosen = [f.relative for f in select_files([_Named(r) for r in chosen], path, None, str(options["PATTERN"]))]
    os.makedirs(local, exist_ok=True)
    return {
        "command": "DOWNLOAD",
        # The driver names each downloaded file by its base name (file_transfer_agent.py).
        "src_locations": chosen,
        "localLocation": local,
        "stageInfo": {"locationType": "LOCAL_FS", "location": root, "path": "", "creds": {}},
        "parallel": _parallel(options),
    }


class _Named:
    """A staged file as select_files matches it: by its path under the stage."""

    def __init__(self, relative: str):
        self.relative = self.name = relative


def settle_uploads(directory: str) -> None:
    """Moves finished PUT uploads into their stages (see the module's doc), keeping files OVERWRITE = FALSE protects."""
    uploads = os.path.join(directory, "uploads")
    with _settle_lock:
        for manifest in sorted(glob.glob(os.path.join(uploads, "*.json"))):
            area = manifest[: -len(".json")]
            with open(manifest) as f:
                plan = json.load(f)
            os.makedirs(plan["target"], exist_ok=True)
            for name in sorted(os.listdir(area)) if os.path.isdir(area) else []:
                destination = os.path.join(plan["target"], name)
                if plan["overwrite"] or not os.path.exists(destination):
                    os.replace(os.path.join(area, name), destination)
            shutil.rmtree(area, ignore_errors=True)
            os.remove(manifest)
