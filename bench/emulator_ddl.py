#!/usr/bin/env python3
"""CPU the embedded Snowflake's engine spends on DDL, without HTTP or infra: creates a database, S schemas and
T tables (five columns, a default, a primary key, spread over 20 schemas), each followed by the read-back
infra sends (SHOW SCHEMAS IN DATABASE; SHOW TABLES/COLUMNS/PRIMARY KEYS IN SCHEMA), then times the
account-wide SHOWs a refresh sends and reopens the state as a restart would.
Usage: .venv/bin/python bench/emulator_ddl.py [SCHEMAS [TABLES]] (default 200 200); prints CPU seconds."""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator"))

from infra_emulator.snowflake.engine import Engine  # noqa: E402
from infra_emulator.snowflake.s3access import AwsAccess  # noqa: E402


def main() -> None:
    schemas = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    tables = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    directory = tempfile.mkdtemp(prefix="emulator-ddl-")
    engine = Engine(directory, AwsAccess(directory, "http://127.0.0.1:1"))

    def run(sql: str) -> int:
        session = engine.new_session("DEPLOYER")
        try:
            return len(engine.execute(session, sql).text_rows())  # rendered as the SQL API would
        finally:
            session.close()

    try:
        started = time.process_time()
        run('CREATE DATABASE "BENCH"')
        for i in range(schemas):
            run(f'CREATE SCHEMA "BENCH"."S{i}"')
            run('SHOW SCHEMAS IN DATABASE "BENCH" LIMIT 10000')
        made_schemas = time.process_time()
        print(f"{schemas} schemas (create + read-back): {made_schemas - started:.2f} s CPU", flush=True)
        for i in range(tables):
            schema = f'"BENCH"."S{i % 20}"'
            run(f'CREATE TABLE {schema}."T{i}" ("ID" NUMBER NOT NULL, "NAME" VARCHAR(100), "AMOUNT" NUMBER(10,2), '
                f'"PAYLOAD" VARIANT, "LOADED_AT" TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP(), PRIMARY KEY ("ID"))')
            for show in ("TABLES", "COLUMNS", "PRIMARY KEYS"):
                run(f"SHOW {show} IN SCHEMA {schema}" + (" LIMIT 10000" if show == "TABLES" else ""))
        print(f"{tables} tables (create + read-back): {time.process_time() - made_schemas:.2f} s CPU", flush=True)
        for sql in ("SHOW SCHEMAS IN ACCOUNT LIMIT 10000", "SHOW TABLES IN ACCOUNT LIMIT 10000",
                    "SHOW COLUMNS IN ACCOUNT", "SHOW PRIMARY KEYS IN ACCOUNT"):
            before = time.process_time()
            rows = run(sql)
            print(f"{sql}: {rows} rows, {time.process_time() - before:.2f} s CPU", flush=True)
        engine.close()
        before = time.process_time()
        engine = Engine(directory, AwsAccess(directory, "http://127.0.0.1:1"))
        print(f"restart: {run('SHOW TABLES IN ACCOUNT LIMIT 10000')} tables kept, "
              f"{time.process_time() - before:.2f} s CPU", flush=True)
        engine.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
