"""The emulator's catalog file: every change is durable when the call that made it returns (a snapshot plus a
journal of changes), a crash mid-write loses only the change being written, and the journal is folded into the
snapshot before it outgrows it (so applying N objects does not rewrite the whole catalog N times)."""

from __future__ import annotations

import json
import os
import sys

from conftest_snowflake import EMULATOR_DIR

if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)
from infra_emulator.snowflake.catalog import Catalog  # noqa: E402


def _table(db: str, schema: str, name: str) -> dict:
    return {"name": name, "parts": [db, schema, name], "comment": ""}


def test_changes_survive_a_crash_without_close(tmp_path):
    path = str(tmp_path / "catalog.json")
    catalog = Catalog(path)
    catalog.put("databases", ("DB",), {"name": "DB", "parts": ["DB"]})
    catalog.put("schemas", ("DB", "S"), {"name": "S", "parts": ["DB", "S"]})
    catalog.put("tables", ("DB", "S", "T1"), _table("DB", "S", "T1"))
    catalog.put("tables", ("DB", "S", "T2"), _table("DB", "S", "T2"))
    catalog.put("tables", ("DB", "S", "T2"), {**_table("DB", "S", "T2"), "comment": "second"})
    catalog.remove("tables", ("DB", "S", "T1"))
    catalog.put("schemas", ("DB", "GONE"), {"name": "GONE", "parts": ["DB", "GONE"]})
    catalog.put("tables", ("DB", "GONE", "T"), _table("DB", "GONE", "T"))
    catalog.remove_under(("DB", "GONE"))
    catalog.remove("schemas", ("DB", "GONE"))
    # No close(): the process died here. The snapshot alone does not have the changes; snapshot + journal do.
    assert os.path.getsize(tmp_path / "catalog.journal") > 0
    reopened = Catalog(path)
    assert sorted(reopened.data["tables"]) == ["DB.S.T2"]
    assert reopened.get("tables", ("DB", "S", "T2"))["comment"] == "second"
    assert sorted(reopened.data["schemas"]) == ["DB.S"]
    # Loading folds the journal into a fresh snapshot.
    assert os.path.getsize(tmp_path / "catalog.journal") == 0
    assert sorted(json.loads((tmp_path / "catalog.json").read_text())["tables"]) == ["DB.S.T2"]


def test_a_change_cut_short_by_a_crash_is_ignored(tmp_path):
    path = str(tmp_path / "catalog.json")
    catalog = Catalog(path)
    catalog.put("warehouses", ("WH",), {"name": "WH", "size": "X-Small"})
    with open(tmp_path / "catalog.journal", "a", encoding="utf-8") as journal:
        journal.write('{"put":"warehouses","key":"OTHER","record":{"na')
    reopened = Catalog(path)
    assert list(reopened.data["warehouses"]) == ["WH"]


def test_the_journal_is_folded_into_the_snapshot_before_it_outgrows_it(tmp_path):
    path = str(tmp_path / "catalog.json")
    catalog = Catalog(path)
    padding = "x" * 2000
    for i in range(2000):
        catalog.put("tables", ("DB", "S", f"T{i}"), {**_table("DB", "S", f"T{i}"), "comment": padding})
    snapshot = os.path.getsize(tmp_path / "catalog.json")
    journal = os.path.getsize(tmp_path / "catalog.journal")
    assert snapshot > 1 << 20, "the snapshot was rewritten as changes came"
    assert journal <= max(1 << 20, snapshot) + 4096, "the journal never grows past the snapshot by much"
    catalog.close()
    assert os.path.getsize(tmp_path / "catalog.journal") == 0
    assert len(Catalog(path).data["tables"]) == 2000
