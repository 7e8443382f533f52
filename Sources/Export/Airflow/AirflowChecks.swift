/// The checks the embedded runner makes after a statement (`expect:`, COPY's load counts, `assert:`), as Python
/// for DAG files: the same decisions and the same messages as `Expectation.check`, `CopyTaskExecutor` and
/// `AssertTaskExecutor` (AirflowExportTests runs both on the same inputs). Values are compared as text, as the
/// SQL API returns them.
enum AirflowChecks {
    static let python = #"""
        _MISSING = object()


        def _text(value):
            """A result value as Snowflake's SQL API returns it: text, None for NULL."""
            if value is None:
                return None
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)


        def _interpolation_text(value):
            if value is None:
                return ""
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, (list, dict)):
                return json.dumps(value, sort_keys=True, separators=(",", ":"))
            return str(value)


        def _display(value):
            if value is None:
                return "null"
            if isinstance(value, str):
                return json.dumps(value, ensure_ascii=False)
            if isinstance(value, list):
                return "[" + ", ".join(_display(item) for item in value) + "]"
            return _interpolation_text(value)


        def _matches(got, want):
            if got is _MISSING:
                return False
            if got == want:
                return True
            if isinstance(got, list) and isinstance(want, list):
                return len(got) == len(want) and all(_matches(g, w) for g, w in zip(got, want))
            return _interpolation_text(got) == _interpolation_text(want)


        def _expect(values, expect):
            """infra's `expect:`: each key against what the statement produced."""
            for key in sorted(expect):
                want, display = expect[key]["want"], expect[key]["display"]
                got = values.get(key, _MISSING)
                if key == "rows" and isinstance(want, int) and not isinstance(want, bool):
                    actual = got if isinstance(got, int) else len(got) if isinstance(got, list) else None
                    if actual != want:
                        raise AirflowException(f"expected {want} rows, got {'none' if actual is None else actual}")
                elif not _matches(got, want):
                    raise AirflowException(f"expected {key} {display}, got {'nothing' if got is _MISSING else _display(got)}")


        def _load_counts(description, rows):
            """COPY's result: a row per file, or one "Copy executed with 0 files processed." row."""
            names = [column[0].lower() for column in description or []]
            records = [dict(zip(names, (_text(v) for v in row))) for row in rows]
            if not records:
                return None
            if (records[0].get("status") or "").startswith("Copy executed with 0 files"):
                return {"files_loaded": 0, "files_failed": 0, "rows_loaded": 0, "failures": []}
            if "file" not in records[0] or "rows_loaded" not in records[0]:
                return None
            statuses = [(r.get("status") or "").upper() for r in records]
            return {
                "files_loaded": statuses.count("LOADED") + statuses.count("PARTIALLY_LOADED"),
                "files_failed": statuses.count("LOAD_FAILED"),
                "rows_loaded": sum(int(r.get("rows_loaded") or 0) for r in records),
                "failures": [f"{r.get('file') or ''}: {r.get('first_error') or 'failed'}"
                             for r, status in zip(records, statuses) if status == "LOAD_FAILED"],
            }


        def _copy_result(expect):
            """A COPY INTO handler: fails on files that failed to load (unless `expect` counts them), then checks `expect`."""
            def handler(cursor):
                rows = cursor.fetchall()
                counts = _load_counts(cursor.description, rows) or {"files_loaded": 0, "files_failed": 0, "rows_loaded": 0,
                                                                    "failures": []}
                if counts["files_failed"] > 0 and "files_loaded" not in expect:
                    raise AirflowException(f"{counts['files_failed']} file(s) failed to load: " + "; ".join(counts["failures"]))
                _expect(counts, expect)
                return rows
            return handler


        def _rows_expecting(expect):
            """A statement's handler: its rows as `rows`, a single value as `value`, checked against `expect`."""
            def handler(cursor):
                rows = cursor.fetchall() if cursor.description else []
                values = {"rows": [[_text(v) for v in row] for row in rows]}
                if len(rows) == 1 and len(rows[0]) == 1:
                    values["value"] = values["rows"][0][0]
                for key, value in (_load_counts(cursor.description, rows) or {}).items():
                    values.setdefault(key, value)
                _expect(values, expect)
                return rows
            return handler


        def _expect_error(conn_id, sql, expected, hook_params):
            """infra's `expect: {error: …}`: succeeds only if the statement fails with `expected` in its message."""
            from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook

            hook = SnowflakeHook(snowflake_conn_id=conn_id, **hook_params)
            try:
                hook.run(sql, autocommit=True)
            except Exception as error:
                message = str(error)
                if expected.lower() in message.lower():
                    return "failed as expected: " + message.split("\n")[0]
                raise AirflowException(f"expected an error containing '{expected}', got: {message}")
            raise AirflowException(f"expected an error containing '{expected}', but the statement succeeded")


        def _assert_checks(checks):
            """An assert's handler: one measured count per check, each against its rule."""
            def handler(cursor):
                names = [column[0].lower() for column in cursor.description]
                rows = cursor.fetchall()
                measured = {int(row[names.index("check_index")]): int(row[names.index("measured")]) for row in rows}
                failures = []
                for index, (name, rule) in enumerate(checks):
                    if index not in measured:
                        failures.append(f"{name}: no result")
                        continue
                    n = measured[index]
                    if "none" in rule:
                        singular, plural = rule["none"]
                        if n != 0:
                            failures.append(f"{name}: {n} {singular if n == 1 else plural}")
                        continue
                    equals, low, high = rule["row_count"]
                    if not ((equals is None or n == equals) and (low is None or n >= low) and (high is None or n <= high)):
                        wanted = [text for bound, text in ((equals, f"exactly {equals}"), (low, f"at least {low}"),
                                                           (high, f"at most {high}")) if bound is not None]
                        failures.append(f"{name}: {n} rows, expected " + " and ".join(wanted))
                if failures:
                    raise AirflowException("; ".join(failures))
                return rows
            return handler
        """#
}
