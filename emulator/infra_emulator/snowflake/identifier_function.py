"""IDENTIFIER('db.schema.name') and IDENTIFIER(?) as the object names they stand for.

Snowflake accepts IDENTIFIER(<string literal | bind variable | session variable>) wherever it accepts an
object name (docs: sql-reference/identifier-literal); clients such as the Snowflake CLI send
`describe table IDENTIFIER('DB.S.T')`. The emulator's statement parsers and fakesnow read plain names, so
before a statement is routed each IDENTIFIER(...) is replaced by the name it holds, written as SQL
(`DB.S.T`, `"my table"`), and a bind variable it consumed is taken out of the statement's bindings.

The string must be one object name of one to three parts, else the statement fails with 000904 "invalid
identifier": nothing else (no expressions, no trailing text) is ever spliced into the statement.
"""

from __future__ import annotations

from typing import Any

from .errors import SqlError
from .sqltext import NUMBER, QUOTED, STRING, SYMBOL, WORD, Token, TokenStream, qualified_sql, tokenize


def _invalid(text: str, position: int) -> SqlError:
    return SqlError("000904", "42000", f"SQL compilation error: error line 1 at position {position}\n"
                                       f"invalid identifier '{text}'")


def _name_sql(value: Any, position: int) -> str:
    """The object name a string holds, as SQL text (unquoted parts upper-case, quoted kept)."""
    text = str(value).strip()
    tokens = tokenize(text)
    if not tokens or any(t.kind not in (WORD, QUOTED) and not t.is_symbol(".") for t in tokens):
        raise _invalid(text, position)
    stream = TokenStream(text)
    try:
        parts = stream.qualified_name()
    except SqlError:
        raise _invalid(text, position) from None
    if not stream.at_end() or len(parts) > 3:
        raise _invalid(text, position)
    return qualified_sql(parts)


def _argument(tokens: list[Token], i: int) -> tuple[Token, int] | None:
    """The single argument of IDENTIFIER( at tokens[i] and the index of its closing parenthesis."""
    if not tokens[i].is_word("IDENTIFIER") or i + 1 >= len(tokens) or not tokens[i + 1].is_symbol("("):
        return None
    j = i + 2
    if j < len(tokens) and tokens[j].is_symbol(":") and j + 1 < len(tokens) and tokens[j + 1].kind == NUMBER:
        # :1, a numbered bind variable: one token for the caller.
        closing = j + 2
        argument = Token(SYMBOL, ":" + tokens[j + 1].value, tokens[j].start, tokens[j + 1].end)
    elif j < len(tokens):
        closing = j + 1
        argument = tokens[j]
    else:
        return None
    if closing >= len(tokens) or not tokens[closing].is_symbol(")"):
        return None
    return argument, closing


def resolve_identifiers(text: str, params: list[Any] | None) -> tuple[str, list[Any] | None]:
    """The statement with each IDENTIFIER(...) replaced by its name, and the bindings left for the rest."""
    if "IDENTIFIER" not in text.upper():
        return text, params
    tokens = tokenize(text)
    out: list[str] = []
    last = 0
    question_marks = 0  # `?` placeholders seen so far: which binding a `?` takes
    consumed: set[int] = set()  # indexes of bindings IDENTIFIER(...) took
    numbered = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        found = _argument(tokens, i)
        if found is None:
            if token.is_symbol("?"):
                question_marks += 1
            i += 1
            continue
        argument, closing = found
        if argument.kind == STRING:
            name = _name_sql(argument.value, argument.start)
        elif argument.is_symbol("?") or argument.value.startswith(":"):
            index = question_marks if argument.is_symbol("?") else int(argument.value[1:]) - 1
            if argument.is_symbol("?"):
                question_marks += 1
            else:
                numbered = True
            if params is None or not 0 <= index < len(params):
                raise SqlError("002049", "22000", "SQL compilation error: "
                                                  f"bind variable for IDENTIFIER at position {argument.start} not set")
            name = _name_sql(params[index], argument.start)
            consumed.add(index)
        else:
            # IDENTIFIER($var) and expressions: session variables are not kept by the emulator.
            raise SqlError.unsupported("IDENTIFIER() with a session variable or an expression")
        out.append(text[last:token.start])
        out.append(name)
        last = tokens[closing].end
        i = closing + 1
    out.append(text[last:])
    if params is None or not consumed:
        return "".join(out), params
    if numbered:
        return _renumber(("".join(out)), params, consumed)
    return "".join(out), [p for k, p in enumerate(params) if k not in consumed]


def _renumber(text: str, params: list[Any], consumed: set[int]) -> tuple[str, list[Any]]:
    """Drops the bindings only IDENTIFIER(:n) used and renumbers the :n placeholders left."""
    tokens = tokenize(text)
    placeholders = [(t, n) for t, n in zip(tokens, tokens[1:]) if t.is_symbol(":") and n.kind == NUMBER
                    and n.start == t.end]
    still_used = {int(n.value) - 1 for _, n in placeholders}
    kept = [k for k in range(len(params)) if k not in consumed or k in still_used]
    number = {old: new + 1 for new, old in enumerate(kept)}
    out, last = [], 0
    for colon, digits in placeholders:
        out.append(text[last:colon.start])
        out.append(f":{number[int(digits.value) - 1]}")
        last = digits.end
    out.append(text[last:])
    return "".join(out), [params[k] for k in kept]
