"""The filters every SHOW command shares: LIKE, IN <scope>, STARTS WITH, LIMIT.

  SHOW [TERSE] <objects> [LIKE '<pattern>']
       [IN ACCOUNT | IN DATABASE [<db>] | IN SCHEMA [<db>.]<schema> | IN <db>[.<schema>]]
       [STARTS WITH '<prefix>'] [LIMIT <n> [FROM '<name>']]

Without IN, the scope is the current database when there is one, else the account, as in Snowflake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import SqlError
from .results import Result
from .sqltext import like_to_regex

if TYPE_CHECKING:
    from .engine import Context

OBJECT_WORDS = ("TERSE", "STORAGE", "EXTERNAL", "FILE", "INTEGRATIONS", "DATABASES", "SCHEMAS", "TABLES", "STAGES",
                "FORMATS", "WAREHOUSES", "PIPES", "USERS", "COLUMNS", "OBJECTS", "VIEWS", "PRIMARY", "KEYS")


@dataclass
class ShowFilter:
    like: re.Pattern[str] | None = None
    database: str | None = None  # None: every database
    schema: str | None = None  # None: every schema of the database
    starts_with: str | None = None
    max_rows: int | None = None

    def matches_name(self, name: str) -> bool:
        if self.like is not None and not self.like.match(name):
            return False
        return self.starts_with is None or name.startswith(self.starts_with)

    def in_scope(self, database: str, schema: str | None = None) -> bool:
        if self.database is not None and database != self.database:
            return False
        return self.schema is None or schema is None or schema == self.schema

    def limit(self, result: Result) -> Result:
        if self.max_rows is not None:
            result.rows = result.rows[: self.max_rows]
        return result


def parse_show(ctx: Context, scoped: bool = True) -> ShowFilter:
    """Reads the SHOW statement's filters; `scoped` objects (schema-level) take IN, account-level ones ignore it."""
    s = ctx.stream()
    s.expect("SHOW")
    while (token := s.peek()) is not None and token.is_word(*OBJECT_WORDS):
        s.next()
    show = ShowFilter()
    explicit_scope = False
    while not s.at_end():
        if s.accept("LIKE"):
            show.like = like_to_regex(s.string())
        elif s.accept("IN"):
            explicit_scope = True
            if s.accept("ACCOUNT"):
                continue
            if s.accept("DATABASE"):
                if s.at_end() or s.peek_words("STARTS") or s.peek_words("LIMIT"):
                    if ctx.session.database is None:
                        raise SqlError.no_current("database", "SHOW")
                    show.database = ctx.session.database
                else:
                    show.database = s.identifier()
            elif s.accept("SCHEMA"):
                if s.at_end() or s.peek_words("STARTS") or s.peek_words("LIMIT"):
                    if ctx.session.schema is None:
                        raise SqlError.no_current("schema", "SHOW")
                    show.database, show.schema = ctx.session.database, ctx.session.schema
                else:
                    show.database, show.schema = ctx.schema_name(s.qualified_name(), "SHOW")
            else:
                s.accept("TABLE") or s.accept("VIEW")
                parts = s.qualified_name()
                if len(parts) == 1:
                    show.database = parts[0]
                else:
                    show.database, show.schema = ctx.schema_name(parts[:2], "SHOW")
        elif s.accept("STARTS", "WITH"):
            show.starts_with = s.string()
        elif s.accept("LIMIT"):
            show.max_rows = int(s.next().value)
            if s.accept("FROM"):
                s.string()
        else:
            s.unexpected()
    if scoped and not explicit_scope and ctx.session.database is not None:
        show.database = ctx.session.database
    return show
