"""Parsing staged files into records, by file format: JSON (documents or lines), CSV, PARQUET.

Each reader yields `Record`s: the file line (or row number) it starts on and its value: a list of field
texts for CSV, a JSON-compatible value for JSON and PARQUET. Parse failures become `FileError`s with the
line Snowflake would report.
"""

from __future__ import annotations

import bz2
import csv
import datetime
import decimal
import gzip
import io
import json
import zlib
from dataclasses import dataclass
from typing import Any

import pyarrow.parquet as pq

from .errors import SqlError


@dataclass
class Record:
    line: int
    value: Any


class FileError(Exception):
    def __init__(self, message: str, line: int = 1, character: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.character = character


def decompress(data: bytes, name: str, compression: str) -> bytes:
    kind = compression.upper()
    if kind == "AUTO":
        if data[:2] == b"\x1f\x8b":
            kind = "GZIP"
        elif data[:3] == b"BZh":
            kind = "BZ2"
        elif name.endswith(".deflate"):
            kind = "DEFLATE"
        elif name.endswith(".zst"):
            kind = "ZSTD"
        else:
            kind = "NONE"
    try:
        if kind == "GZIP":
            return gzip.decompress(data)
        if kind == "BZ2":
            return bz2.decompress(data)
        if kind in ("DEFLATE", "RAW_DEFLATE"):
            return zlib.decompress(data, -zlib.MAX_WBITS if kind == "RAW_DEFLATE" else zlib.MAX_WBITS)
    except (OSError, EOFError, zlib.error) as e:
        raise FileError(f"Invalid data encountered during decompression for file: '{name}',compression type used: "
                        f"'{kind}', cause: '{e}'") from None
    if kind in ("NONE", "AUTO"):
        return data
    raise SqlError.unsupported(f"COMPRESSION = {kind}")


def _text(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FileError(f"Invalid UTF8 detected in string '{name}'", character=e.start + 1) from None


def read_json(data: bytes, name: str, options: dict[str, Any]) -> list[Record]:
    """Newline-delimited or concatenated JSON documents; STRIP_OUTER_ARRAY makes a top array's items records."""
    text = _text(decompress(data, name, str(options.get("COMPRESSION", "AUTO"))), name)
    decoder = json.JSONDecoder()
    records: list[Record] = []
    position, line = 0, 1
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            if text[position] == "\n":
                line += 1
            position += 1
        if position >= len(text):
            break
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as e:
            raise FileError(f"Error parsing JSON: {e.msg}", line=e.lineno, character=e.colno) from None
        if options.get("STRIP_OUTER_ARRAY") and isinstance(value, list):
            records.extend(Record(line, item) for item in value)
        else:
            records.append(Record(line, value))
        line += text.count("\n", position, end)
        position = end
    if options.get("STRIP_NULL_VALUES"):
        records = [Record(r.line, _strip_nulls(r.value)) for r in records]
    return records


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    return value


def _option_char(value: Any, default: str | None) -> str | None:
    if value is None:
        return default
    text = str(value)
    if text.upper() == "NONE" or text == "":
        return None
    return text.encode("utf-8").decode("unicode_escape") if "\\" in text else text


def read_csv(data: bytes, name: str, options: dict[str, Any]) -> list[Record]:
    text = _text(decompress(data, name, str(options.get("COMPRESSION", "AUTO"))), name)
    delimiter = _option_char(options.get("FIELD_DELIMITER"), ",") or ","
    quote = _option_char(options.get("FIELD_OPTIONALLY_ENCLOSED_BY"), None)
    escape = _option_char(options.get("ESCAPE"), None)
    record_delimiter = _option_char(options.get("RECORD_DELIMITER"), "\n") or "\n"
    if record_delimiter not in ("\n", "\r\n"):
        text = text.replace(record_delimiter, "\n")
    if len(delimiter) != 1:
        raise SqlError.unsupported("multi-character FIELD_DELIMITER")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote or '"',
        quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE, escapechar=escape, doublequote=True, strict=False,
    )
    null_if = [str(v) for v in options.get("NULL_IF", ["\\N"])]
    empty_as_null = options.get("EMPTY_FIELD_AS_NULL", True)
    trim = options.get("TRIM_SPACE", False)
    skip = int(options.get("SKIP_HEADER", 0) or 0)
    records: list[Record] = []
    try:
        for index, row in enumerate(reader):
            line = reader.line_num
            if index < skip:
                continue
            if not row or row == [""]:
                if options.get("SKIP_BLANK_LINES"):
                    continue
                row = [""]
            fields: list[str | None] = []
            for field in row:
                value = field.strip() if trim else field
                if value in null_if or (value == "" and empty_as_null):
                    fields.append(None)
                else:
                    fields.append(value)
            records.append(Record(line, fields))
    except csv.Error as e:
        raise FileError(f"Error parsing CSV: {e}", line=reader.line_num) from None
    return records


def csv_header(data: bytes, name: str, options: dict[str, Any]) -> list[str]:
    """The first line's field names, for PARSE_HEADER = TRUE with MATCH_BY_COLUMN_NAME."""
    headerless = {**options, "SKIP_HEADER": 0, "NULL_IF": [], "EMPTY_FIELD_AS_NULL": False}
    records = read_csv(data, name, headerless)
    return [str(v) for v in records[0].value] if records else []


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, bytes):
        return value.hex().upper()
    return value


def read_parquet(data: bytes, name: str, options: dict[str, Any]) -> list[Record]:
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as e:  # pyarrow raises several kinds for a file that is not parquet
        raise FileError(f"Error parsing the parquet file: {e}") from None
    return [Record(i + 1, _jsonable(row)) for i, row in enumerate(table.to_pylist())]


def read_records(data: bytes, name: str, options: dict[str, Any]) -> list[Record]:
    kind = options["TYPE"]
    if kind == "JSON":
        return read_json(data, name, options)
    if kind == "CSV":
        return read_csv(data, name, options)
    if kind == "PARQUET":
        return read_parquet(data, name, options)
    raise SqlError.unsupported(f"loading files of TYPE = {kind}")
