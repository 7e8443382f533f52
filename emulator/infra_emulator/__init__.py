"""The embedded default's local emulator: a launcher plus a local AWS (moto) and a local Snowflake server.

Importing this package is cheap on purpose: the launcher (`python -m infra_emulator`) must not pay for
moto or DuckDB; each server imports its own heavy dependencies in its own process.
"""

REGION = "us-east-1"
# Every emulated resource lives in this account; moto's own default (123456789012) is overridden.
ACCOUNT_ID = "000000000000"


def reachable_host(bind_host: str) -> str:
    """Where a local client reaches a server bound to `bind_host` (0.0.0.0 is no address to connect to)."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1"}.get(bind_host, bind_host)
