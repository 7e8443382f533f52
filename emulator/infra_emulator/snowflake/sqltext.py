"""Reading Snowflake SQL text: splitting a request into statements, tokens, identifiers and literals.

The emulator's own statements (integrations, warehouses, pipes, stages...) are parsed here with a small
tokenizer rather than sqlglot, because sqlglot gives up on most of them. Names follow Snowflake's rules:
unquoted identifiers are stored upper-case, quoted ones keep their case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SqlError

WORD = "word"
QUOTED = "quoted"  # a "quoted identifier"
STRING = "string"  # a 'string literal' or $$dollar quoted$$
NUMBER = "number"
SYMBOL = "symbol"

_WORD_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_PLAIN_IDENTIFIER = re.compile(r"^[A-Z_][A-Z0-9_$]*$")


@dataclass(frozen=True)
class Token:
    kind: str
    value: str  # the identifier, literal content, number text or symbol
    start: int  # offset in the statement text
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == WORD and self.value.upper() in words

    def is_symbol(self, symbol: str) -> bool:
        return self.kind == SYMBOL and self.value == symbol


def tokenize(text: str) -> list[Token]:
    """Tokens of one statement; comments are skipped."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("--", i) or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == "'":
            value, end = _read_quoted(text, i, "'")
            tokens.append(Token(STRING, _unescape_string(value), i, end))
            i = end
        elif text.startswith("$$", i):
            end = text.find("$$", i + 2)
            if end < 0:
                raise SqlError.syntax(f"unterminated $$ string at position {i}")
            tokens.append(Token(STRING, text[i + 2 : end], i, end + 2))
            i = end + 2
        elif c == '"':
            value, end = _read_quoted(text, i, '"')
            tokens.append(Token(QUOTED, value.replace('""', '"'), i, end))
            i = end
        elif (m := _NUMBER_RE.match(text, i)) and (c != "-" or _number_may_be_negative(tokens)):
            tokens.append(Token(NUMBER, m.group(0), i, m.end()))
            i = m.end()
        elif m := _WORD_RE.match(text, i):
            tokens.append(Token(WORD, m.group(0), i, m.end()))
            i = m.end()
        else:
            two = text[i : i + 2]
            symbol = two if two in ("::", "<=", ">=", "<>", "!=", "=>", "||") else c
            tokens.append(Token(SYMBOL, symbol, i, i + len(symbol)))
            i += len(symbol)
    return tokens


def _number_may_be_negative(tokens: list[Token]) -> bool:
    # "-5" after "=" or "(" or "," is a negative literal; after a value it is a minus.
    return not tokens or tokens[-1].kind == SYMBOL and tokens[-1].value in ("=", "(", ",")


def _read_quoted(text: str, start: int, quote: str) -> tuple[str, int]:
    """Content between quotes (still escaped) and the offset after the closing quote."""
    i = start + 1
    out = []
    while i < len(text):
        c = text[i]
        if c == "\\" and quote == "'" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
        elif c == quote:
            if text.startswith(quote * 2, i):
                out.append(quote * 2)
                i += 2
            else:
                return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise SqlError.syntax(f"unterminated quoted text starting at position {start}")


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


def _unescape_string(raw: str) -> str:
    out = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw):
            out.append(_ESCAPES.get(raw[i + 1], raw[i + 1]))
            i += 2
        elif raw.startswith("''", i):
            out.append("'")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_statements(text: str) -> list[str]:
    """The statements of a request, split on semicolons outside quotes and comments; empty ones dropped."""
    statements: list[str] = []
    start = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            _, i = _read_quoted(text, i, c)
        elif text.startswith("$$", i):
            end = text.find("$$", i + 2)
            i = n if end < 0 else end + 2
        elif text.startswith("--", i) or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == ";":
            statements.append(text[start:i])
            i += 1
            start = i
        else:
            i += 1
    statements.append(text[start:])
    return [s.strip() for s in statements if tokenize(s)]


def quote_literal(value: str) -> str:
    """A Snowflake string literal (backslashes escaped, quotes doubled)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def duck_literal(value: str) -> str:
    """A DuckDB string literal: DuckDB has no backslash escapes, only doubled quotes."""
    return "'" + value.replace("'", "''") + "'"


def identifier_sql(name: str) -> str:
    """A stored name as SQL: bare when Snowflake would store it that way, else double-quoted."""
    if _PLAIN_IDENTIFIER.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified_sql(parts: tuple[str, ...] | list[str]) -> str:
    return ".".join(identifier_sql(p) for p in parts)


class TokenStream:
    """A cursor over a statement's tokens, with the reading helpers the statement parsers share."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    # -- looking -------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens) or (
            self.pos == len(self.tokens) - 1 and self.tokens[self.pos].is_symbol(";")
        )

    def peek_words(self, *words: str) -> bool:
        """Whether the next tokens are these keywords, in order."""
        for offset, word in enumerate(words):
            token = self.peek(offset)
            if token is None or not token.is_word(word):
                return False
        return True

    # -- consuming -----------------------------------------------------------------------------
    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise SqlError.syntax("unexpected end of statement")
        self.pos += 1
        return token

    def accept(self, *words: str) -> bool:
        """Consumes the keywords if they come next."""
        if self.peek_words(*words):
            self.pos += len(words)
            return True
        return False

    def accept_symbol(self, symbol: str) -> bool:
        token = self.peek()
        if token is not None and token.is_symbol(symbol):
            self.pos += 1
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            self.unexpected()

    def expect_symbol(self, symbol: str) -> None:
        if not self.accept_symbol(symbol):
            self.unexpected()

    def unexpected(self) -> SqlError:
        token = self.peek()
        if token is None:
            raise SqlError.syntax("unexpected end of statement", position=len(self.text))
        raise SqlError.syntax(f"unexpected '{self.text[token.start:token.end]}'", position=token.start)

    def skip_to(self, offset: int) -> None:
        """Moves past every token that starts before `offset` (after text read by other means)."""
        while self.pos < len(self.tokens) and self.tokens[self.pos].start < offset:
            self.pos += 1

    def offset(self) -> int:
        """Where the next token starts in the text (the text's end when none is left)."""
        token = self.peek()
        return len(self.text) if token is None else token.start

    def rest(self) -> str:
        """The statement text from the next token on."""
        token = self.peek()
        return "" if token is None else self.text[token.start :].strip().rstrip(";").strip()

    # -- values --------------------------------------------------------------------------------
    def identifier(self) -> str:
        token = self.next()
        if token.kind == WORD:
            return token.value.upper()
        if token.kind == QUOTED:
            return token.value
        self.pos -= 1
        self.unexpected()
        raise AssertionError

    def qualified_name(self) -> tuple[str, ...]:
        parts = [self.identifier()]
        while self.accept_symbol("."):
            parts.append(self.identifier())
        return tuple(parts)

    def string(self) -> str:
        token = self.next()
        if token.kind != STRING:
            self.pos -= 1
            self.unexpected()
        return token.value

    def if_not_exists(self) -> bool:
        return self.accept("IF", "NOT", "EXISTS")

    def if_exists(self) -> bool:
        return self.accept("IF", "EXISTS")

    def value(self) -> object:
        """One option value: a string, number, TRUE/FALSE, NONE/NULL, a bare word, or a (list)."""
        token = self.next()
        if token.kind == STRING:
            return token.value
        if token.kind == NUMBER:
            return int(token.value) if re.fullmatch(r"-?\d+", token.value) else float(token.value)
        if token.kind == WORD:
            upper = token.value.upper()
            if upper == "TRUE":
                return True
            if upper == "FALSE":
                return False
            # A dotted bare name, e.g. STORAGE_INTEGRATION = db.x, is one value.
            parts = [upper]
            while self.accept_symbol("."):
                parts.append(self.identifier())
            return ".".join(parts)
        if token.kind == QUOTED:
            parts = [token.value]
            while self.accept_symbol("."):
                parts.append(self.identifier())
            return qualified_sql(parts)
        if token.is_symbol("("):
            items: list[object] = []
            if self.accept_symbol(")"):
                return items
            # A parenthesised option group, e.g. FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1).
            if (following := self.peek(1)) is not None and following.is_symbol("="):
                self.pos -= 1
                return self.option_group()
            while True:
                items.append(self.value())
                if self.accept_symbol(")"):
                    return items
                self.expect_symbol(",")
        self.pos -= 1
        self.unexpected()
        raise AssertionError

    def option_group(self) -> dict[str, object]:
        """`( KEY = value ... )` as an upper-case-keyed dict."""
        self.expect_symbol("(")
        options: dict[str, object] = {}
        while not self.accept_symbol(")"):
            key, value = self.option()
            options[key] = value
            self.accept_symbol(",")
        return options

    def option(self) -> tuple[str, object]:
        """`KEY = value`; the = may be left out, as Snowflake allows for some options."""
        token = self.next()
        if token.kind != WORD:
            self.pos -= 1
            self.unexpected()
        self.accept_symbol("=")
        return token.value.upper(), self.value()

    def options_until(self, *stop_words: str) -> dict[str, object]:
        """`KEY = value` pairs until the end or one of the stop words."""
        options: dict[str, object] = {}
        while not self.at_end():
            if any(self.peek_words(*w.split()) for w in stop_words):
                break
            key, value = self.option()
            options[key] = value
            self.accept_symbol(",")
        return options

    def name_list(self) -> list[str]:
        """`(a, b, c)` of identifiers."""
        self.expect_symbol("(")
        names = []
        while True:
            names.append(".".join(self.qualified_name()))
            if self.accept_symbol(")"):
                return names
            self.expect_symbol(",")


def like_to_regex(pattern: str) -> re.Pattern[str]:
    """SHOW ... LIKE '<pattern>': SQL wildcards, case-insensitive, like Snowflake."""
    out = []
    for c in pattern:
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE | re.DOTALL)
