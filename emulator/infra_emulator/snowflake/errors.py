"""Snowflake's statement errors: the code, SQL state and message text clients match on."""

from __future__ import annotations


class SqlError(Exception):
    """A statement failed the way Snowflake reports it: HTTP 422 on the SQL API, success=false on the connector."""

    def __init__(self, code: str, sqlstate: str, message: str):
        super().__init__(message)
        self.code = code
        self.sqlstate = sqlstate
        self.message = message

    @classmethod
    def syntax(cls, detail: str, position: int = 0) -> SqlError:
        return cls("001003", "42000", f"SQL compilation error:\nsyntax error line 1 at position {position} {detail}.")

    @classmethod
    def already_exists(cls, name: str) -> SqlError:
        return cls("002002", "42710", f"SQL compilation error:\nObject '{name}' already exists.")

    @classmethod
    def does_not_exist(cls, kind: str, name: str) -> SqlError:
        """kind as Snowflake words it: 'Database', 'Schema', 'Table', 'Stage', 'Integration'..."""
        return cls("002003", "02000", f"SQL compilation error:\n{kind} '{name}' does not exist or not authorized.")

    @classmethod
    def unsupported(cls, what: str) -> SqlError:
        return cls("002031", "0A000", f"SQL compilation error:\nUnsupported feature '{what}'.")

    @classmethod
    def invalid(cls, message: str) -> SqlError:
        return cls("002029", "22023", f"SQL compilation error:\n{message}")

    @classmethod
    def statement_count(cls, actual: int, desired: int) -> SqlError:
        return cls("000008", "0A000", f"Actual statement count {actual} did not match the desired statement count {desired}.")

    @classmethod
    def timeout(cls, seconds: int) -> SqlError:
        return cls(
            "000630",
            "57014",
            f"Statement reached its statement or warehouse timeout of {seconds} second(s) and was canceled.",
        )

    @classmethod
    def no_warehouse(cls) -> SqlError:
        return cls("000606", "57P03", "No active warehouse selected in the current session.  Select an active "
                   "warehouse with the 'use warehouse' command.\n")

    @classmethod
    def canceled(cls) -> SqlError:
        return cls("000604", "57014", "SQL execution canceled")

    @classmethod
    def no_current(cls, what: str, command: str) -> SqlError:
        """No current database or schema for an unqualified name."""
        code = "090105" if what == "database" else "090106"
        use = "USE DATABASE" if what == "database" else "USE SCHEMA"
        return cls(
            code,
            "22000",
            f"Cannot perform {command}. This session does not have a current {what}. Call '{use}', or use a qualified name.",
        )

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "sqlState": self.sqlstate, "message": self.message}
