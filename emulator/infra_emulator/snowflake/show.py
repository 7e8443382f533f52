"""The filters every SHOW command shares: LIKE, IN <scope>, STARTS WITH, LIMIT.

  SHOW [TERSE] <objects> [LIKE '<pattern>']
       [IN ACCOUNT | IN DATABASE [<db>] | IN SCHEMA [<db>.]<schema> | IN <db>[.<schema>]]
       [STARTS WITH '<prefix>'] [LIMIT <n> [FROM '<name>']]

Without IN, the scope is the current database when there is one, else the account, as in Snowflake.

A SHOW answers at most 10,000 rows: more fails with 090153 "…exceeded the max number of rows(10000) supported
for SHOW statements. Use LIMIT option…" (the error text the JDBC driver and Snowpark's tests met; dbt-snowflake
#174: a LIMIT above the maximum fails the same way). Only the commands whose documented grammar has it take
`LIMIT n FROM 'name'` (SHOW DATABASES, SCHEMAS, TABLES, EXTERNAL TABLES, USERS; behaviour change 2023_05
"SHOW commands: pagination support"); SHOW COLUMNS, PRIMARY KEYS, STAGES, FILE FORMATS, PIPES, WAREHOUSES and
INTEGRATIONS have no LIMIT and refuse one. `FROM 'name'` starts after the first row whose name begins with
the (case-sensitive) string, in the command's output order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import SqlError
from .results import Result
from .sqltext import TokenStream, like_to_regex

if TYPE_CHECKING:
    from .engine import Context

OBJECT_WORDS = ("TERSE", "STORAGE", "EXTERNAL", "FILE", "INTEGRATIONS", "DATABASES", "SCHEMAS", "TABLES", "STAGES",
                "FORMATS", "WAREHOUSES", "PIPES", "USERS", "COLUMNS", "OBJECTS", "VIEWS", "PRIMARY", "KEYS")


@dataclass
class ShowFilter:
    like: re.Pattern[str] | None = None
    database: str | None = None  # None: every database
    schema: str | None = None  # None: every schema of the database
    table: str | None = None  # IN TABLE: that table's rows only (columns, keys)
    starts_with: str | None = None
    max_rows: int | None = None
    from_name: str | None = None
    # The account's ceiling for one SHOW (10,000 in Snowflake; tests may lower it over /_infra/limits).
    ceiling: int = 10_000

    def matches_name(self, name: str) -> bool:
        if self.like is not None and not self.like.match(name):
            return False
        return self.starts_with is None or name.startswith(self.starts_with)

    def in_scope(self, database: str, schema: str | None = None, table: str | None = None) -> bool:
        if self.database is not None and database != self.database:
            return False
        if self.table is not None and table is not None and table != self.table:
            return False
        return self.schema is None or schema is None or schema == self.schema

    def limit(self, result: Result, name_column: str = "name") -> Result:
        """Applies FROM and LIMIT, then Snowflake's row ceiling."""
        if self.from_name is not None:
            index = next(i for i, c in enumerate(result.columns) if c.name == name_column)
            start = next((n for n, row in enumerate(result.rows) if str(row[index]).startswith(self.from_name)), None)
            result.rows = [] if start is None else result.rows[start + 1:]
        if self.max_rows is not None:
            result.rows = result.rows[: self.max_rows]
        if len(result.rows) > self.ceiling:
            raise too_many_rows(self.ceiling)
        return result


def too_many_rows(ceiling: int) -> SqlError:
    return SqlError("090153", "22000", f"The result set size exceeded the max number of rows({ceiling}) supported for "
                    "SHOW statements. Use LIMIT option to limit result set to a smaller number.")


def read_limit(s: TokenStream, show: ShowFilter) -> None:
    """[LIMIT <n> [FROM '<name>']]."""
    if not s.accept("LIMIT"):
        return
    token = s.next()
    if not token.value.isdigit():
        raise SqlError.syntax(f"unexpected '{token.value}'", token.start)
    show.max_rows = int(token.value)
    if show.max_rows > show.ceiling:
        raise too_many_rows(show.ceiling)
    if s.accept("FROM"):
        show.from_name = s.string()


def parse_show(ctx: Context, scoped: bool = True, paged: bool = False) -> ShowFilter:
    """Reads the SHOW statement's filters; `scoped` objects (schema-level) take IN, account-level ones ignore it;
    only `paged` commands take LIMIT … FROM."""
    s = ctx.stream()
    s.expect("SHOW")
    while (token := s.peek()) is not None and token.is_word(*OBJECT_WORDS):
        s.next()
    show = ShowFilter(ceiling=ctx.engine.show_row_ceiling)
    explicit_scope = False
    while not s.at_end():
        if s.accept("LIKE"):
            show.like = like_to_regex(s.string())
        elif s.peek_words("IN") and not scoped:
            # Account-level objects (databases, warehouses, integrations, users) take no IN clause.
            s.unexpected()
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
                named_table = s.accept("TABLE") or s.accept("VIEW")
                parts = s.qualified_name()
                if named_table or len(parts) == 3:
                    show.database, show.schema, show.table = ctx.object_name(parts, "SHOW")
                elif len(parts) == 1:
                    show.database = parts[0]
                else:
                    show.database, show.schema = ctx.schema_name(parts[:2], "SHOW")
        elif s.accept("STARTS", "WITH"):
            show.starts_with = s.string()
        elif paged and s.peek_words("LIMIT"):
            read_limit(s, show)
        else:
            s.unexpected()
    if scoped and not explicit_scope and ctx.session.database is not None:
        show.database = ctx.session.database
    return show
