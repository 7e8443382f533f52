#!/usr/bin/env python3
"""Writes a stack of N Snowflake objects for the refresh benchmark: databases (one per 100 objects), two
schemas each, a file format per schema, two warehouses, two stages, and tables for the rest (each with
five columns, a default and a primary key). Usage: generate_snowflake_stack.py N PROJECT_DIR PROJECT_ROOT"""
import os
import sys


def main() -> None:
    count, root, project = int(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    for folder in ("stacks", "environments"):
        os.makedirs(f"{root}/{folder}", exist_ok=True)
    with open(f"{root}/environments/dev.yaml", "w") as f:
        f.write("name: dev\nsnowflake:\n  account: LOCAL\n  user: DEPLOYER\n"
                f"  private_key_file: {project}/.infra/local/deployer.p8\n  endpoint: http://127.0.0.1:8091\n")
    databases = max(1, count // 100)
    lines = [f"stack: sf-bench-{count}", "resources:"]
    made = 0

    def add(text: str) -> None:
        nonlocal made
        lines.append(text)
        made += 1

    for w in range(2):
        add(f"  wh{w}: {{type: snowflake.warehouse, name: BENCH_WH_{count}_{w}, size: xsmall, auto_suspend: 60}}")
    for d in range(databases):
        add(f"  db{d}: {{type: snowflake.database, name: BENCH_{count}_{d}, comment: bench}}")
        for s in range(2):
            add(f"  s{d}_{s}: {{type: snowflake.schema, database: \"${{db{d}}}\", name: S{s}}}")
            add(f"  ff{d}_{s}: {{type: snowflake.file_format, schema: \"${{s{d}_{s}}}\", name: CSV_FF, format: csv, skip_header: 1}}")
    for g in range(2):
        add(f"  st{g}: {{type: snowflake.stage, schema: \"${{s0_0}}\", name: UPLOADS_{g}, file_format: \"${{ff0_0}}\"}}")
    t = 0
    while made < count:
        d, s = t % databases, (t // databases) % 2
        lines.append(f"  t{t}:")
        lines.append("    type: snowflake.table")
        lines.append(f"    schema: ${{s{d}_{s}}}")
        lines.append(f"    name: T{t}")
        lines.append("    columns:")
        lines.append("      - {name: ID, type: NUMBER, nullable: false}")
        lines.append("      - {name: NAME, type: VARCHAR(100)}")
        lines.append("      - {name: AMOUNT, type: \"NUMBER(10,2)\"}")
        lines.append("      - {name: PAYLOAD, type: VARIANT}")
        lines.append("      - {name: LOADED_AT, type: TIMESTAMP_NTZ, default: CURRENT_TIMESTAMP()}")
        lines.append("    primary_key: [ID]")
        made += 1
        t += 1
    with open(f"{root}/stacks/bench.yaml", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
