"""Stage references, including the stages every table and user has without a CREATE STAGE.

  @[<db>.][<schema>.]<stage>[/<path>]    a named stage
  @[<db>.][<schema>.]%<table>[/<path>]   the table's stage
  @~[/<path>]                            the current user's stage
  '@...'                                 any of these as a string literal (names or paths with spaces)

(docs: sql-reference/sql/list, sql-reference/sql/put, user-guide/data-load-local-file-system-create-stage).
Table and user stages are internal stages: the table's lives under DIR/stages/<db>/<schema>/%<table>/, the
user's under DIR/stages/~/<user>/. LIST names their files by their path alone, where a named stage's
files are prefixed with the stage's name in lower case. A table stage exists while its table does: a new
table of the same name starts with an empty stage.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import TYPE_CHECKING, Any

from .errors import SqlError
from .sqltext import STRING, TokenStream

if TYPE_CHECKING:
    from .engine import Context

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_$][A-Za-z0-9_$]*)'
_PATH = r"(?P<path>/[^\s;)(',]*)?"
NAMED_STAGE = re.compile(rf"@(?P<name>{_IDENT}(?:\.{_IDENT}){{0,2}}){_PATH}")
TABLE_STAGE = re.compile(rf"@(?:(?P<namespace>{_IDENT}(?:\.{_IDENT})?)\.)?%(?P<table>{_IDENT}){_PATH}")
USER_STAGE = re.compile(rf"@~{_PATH}")
USER_STAGE_ROOT = "~"
TABLE_STAGE_MARK = "%"


def parse_reference_at(ctx: Context, text: str, start: int) -> tuple[tuple[str, ...], str, int] | None:
    """(stage parts, path, end offset) of the reference at text[start:], or None."""
    if m := USER_STAGE.match(text, start):
        return (USER_STAGE_ROOT, ctx.session.user), (m.group("path") or "").lstrip("/"), m.end()
    if m := TABLE_STAGE.match(text, start):
        names = TokenStream(m.group("namespace")).qualified_name() if m.group("namespace") else ()
        table = ctx.object_name((*names, TokenStream(m.group("table")).identifier()), "this statement")
        return (table[0], table[1], TABLE_STAGE_MARK + table[2]), (m.group("path") or "").lstrip("/"), m.end()
    if m := NAMED_STAGE.match(text, start):
        parts = ctx.object_name(TokenStream(m.group("name")).qualified_name(), "this statement")
        return parts, (m.group("path") or "").lstrip("/"), m.end()
    return None


def parse_stage_reference(ctx: Context, s: TokenStream) -> tuple[tuple[str, ...], str]:
    """Reads a stage reference at the stream's position: (stage parts, path under the stage)."""
    token = s.peek()
    if token is not None and token.kind == STRING and token.value.startswith("@"):
        parsed = parse_reference_at(ctx, token.value, 0)
        if parsed is None or parsed[2] != len(token.value.rstrip()):
            raise SqlError.syntax(f"invalid stage location '{token.value}'", position=token.start)
        s.next()
        return parsed[0], parsed[1]
    parsed = parse_reference_at(ctx, s.text, s.offset())
    if parsed is None:
        s.unexpected()
        raise AssertionError
    s.skip_to(parsed[2])
    return parsed[0], parsed[1]


def is_implicit(parts: tuple[str, ...]) -> bool:
    return parts[0] == USER_STAGE_ROOT and len(parts) == 2 or len(parts) == 3 and parts[2].startswith(TABLE_STAGE_MARK)


def implicit_stage_record(ctx: Context, parts: tuple[str, ...]) -> dict[str, Any]:
    """A table or user stage as the catalog's stage records look: internal, CSV unless COPY says otherwise."""
    if len(parts) == 3:
        _forget_dropped_table(ctx, parts)
    elif parts[1] != ctx.session.user:
        raise SqlError.does_not_exist("Stage", "~")
    return {"name": parts[-1], "parts": list(parts), "url": "", "storage_integration": None, "file_format": {},
            "copy_options": {}, "comment": "", "implicit": True}


def _forget_dropped_table(ctx: Context, parts: tuple[str, ...]) -> None:
    """The table must exist; files left by a dropped (or replaced) table of the same name are gone, as its
    stage went with it. The stage's directory records which table it belongs to by its creation time."""
    from .stage_statements import internal_stage_directory
    from .table_statements import require_table, table_record

    table = (parts[0], parts[1], parts[2][len(TABLE_STAGE_MARK):])
    require_table(ctx, table)
    created = str(table_record(ctx, table).get("created_on") or "")
    root = internal_stage_directory(ctx, parts)
    owner = root + ".table"
    recorded = None
    if os.path.exists(owner):
        with open(owner) as f:
            recorded = f.read()
    if recorded == created:
        return
    if recorded is not None:
        shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.dirname(owner), exist_ok=True)
    with open(owner, "w") as f:
        f.write(created)
