"""The run-filter grammar: MLflow's ``filter_string`` plus OR, NOT and parentheses.

A hand-written tokenizer and recursive-descent parser, so every error can
say what was expected, what was found, and point at the exact column.
The result is a small tree of frozen dataclasses; :mod:`.filter_sql`
turns it into parameterised DuckDB SQL. Nothing here touches a database.

Grammar (keywords are case-insensitive; NOT binds tighter than AND, AND
tighter than OR)::

    filter     := or_expr | <empty>
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := not_expr ("AND" not_expr)*
    not_expr   := "NOT" not_expr | "(" or_expr ")" | comparison
    comparison := field ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") value
                | field ["NOT"] "IN" "(" value ("," value)* ")"
                | field ["NOT"] ("LIKE" | "ILIKE") string
                | field "IS" ["NOT"] "NULL"
    field      := prefix "." key | prefix "." quoted-key | attribute
    value      := number | string

Prefixes (case-insensitive): ``metrics``/``metric``, ``params``/``param``/
``parameter(s)``, ``tags``/``tag``, ``attributes``/``attribute``/``attr``/
``run``; a bare word is an attribute (attribute names are case-insensitive,
see :data:`ATTRIBUTE_TYPES`), and ``tags.mlflow.runName`` means ``run_name``.
The key is everything after the first dot; keys with other characters are
quoted in backticks or double quotes (``tags.`my key` ``; single quotes work
too). Strings use single or double quotes; a quote is escaped by doubling
it or with a backslash, a doubled backslash is one backslash, and any other
backslash is literal. Numbers are decimal with optional sign, fraction and
exponent (``1e999`` is infinity). LIKE patterns use ``%`` and ``_`` and have
no escape character, as in DuckDB.

Literal values are checked against the field at parse time: metrics take
numbers; params and tags take numbers (compared numerically) or strings
(compared as text); text attributes take strings; ``start_time`` and
``end_time`` take ms since the epoch or an ISO date/datetime string (UTC
unless it has an offset), converted here to int ms; ``duration`` takes
seconds. So a tree that parses always compiles.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Literal, NoReturn, cast

from ..errors import FilterParseError, FilterTooLargeError

Entity = Literal["metric", "param", "tag", "attribute"]
CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
AttributeType = Literal["text", "time", "number"]
Value = float | int | str

#: Filterable run attributes and the kind of value each compares with.
ATTRIBUTE_TYPES: MappingProxyType[str, AttributeType] = MappingProxyType(
    {
        "run_id": "text",
        "run_name": "text",
        "status": "text",
        "experiment_id": "text",
        "parent_run_id": "text",
        "user": "text",
        "host": "text",
        "start_time": "time",
        "end_time": "time",
        "duration": "number",
    }
)

#: Every accepted field prefix (lower case) and the entity it names.
ENTITY_PREFIXES: MappingProxyType[str, Entity] = MappingProxyType(
    {
        "metrics": "metric",
        "metric": "metric",
        "params": "param",
        "param": "param",
        "parameters": "param",
        "parameter": "param",
        "tags": "tag",
        "tag": "tag",
        "attributes": "attribute",
        "attribute": "attribute",
        "attr": "attribute",
        "run": "attribute",
    }
)

KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"})

#: Deepest nesting of parentheses and NOTs; keeps recursion (here and in SQL) bounded.
MAX_DEPTH = 100
#: Longest filter string, in characters (a 500-term filter of typical keys is ~11,000).
MAX_FILTER_LENGTH = 20_000
#: Most comparisons (IN, LIKE and IS NULL included) in one filter.
MAX_TERMS = 500
#: Most order_by items, and the longest one, in characters.
MAX_ORDER_TERMS = 20
MAX_ORDER_LENGTH = 1_000

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_WORD = re.compile(r"[^\W\d][\w.:/]*")
_QUOTES = ("'", '"', "`")
_OPERATORS = ("<=", ">=", "<>", "!=", "==", "=", "<", ">")
_GLUED = re.compile(r"[\w.]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_KEY_STOP = re.compile(r"[\s()<>=!,'\"`]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INT64_MAX = 2**63 - 1


# ---------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A metric, param or tag key, or an attribute (``key`` is then its canonical name)."""

    entity: Entity
    key: str


@dataclass(frozen=True)
class Comparison:
    """``field op value``; ``<>`` is normalised to ``!=``."""

    field: Field
    op: CompareOp
    value: Value


@dataclass(frozen=True)
class InList:
    """``field [NOT] IN (values...)``; all values have one type (time values are int/float ms)."""

    field: Field
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Like:
    """``field [NOT] LIKE|ILIKE pattern`` with SQL wildcards ``%`` and ``_`` (no escape character)."""

    field: Field
    pattern: str
    negated: bool = False
    case_insensitive: bool = False


@dataclass(frozen=True)
class IsNull:
    """``field IS [NOT] NULL``: for keys, whether the run lacks (has) the key."""

    field: Field
    negated: bool = False


@dataclass(frozen=True)
class Not:
    """Logical negation of a whole sub-expression."""

    operand: Expr


@dataclass(frozen=True)
class And:
    """Conjunction of two or more operands (a chain ``a AND b AND c`` is one node)."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """Disjunction of two or more operands (a chain ``a OR b OR c`` is one node)."""

    operands: tuple[Expr, ...]


Predicate = Comparison | InList | Like | IsNull
Expr = Predicate | Not | And | Or


@dataclass(frozen=True)
class OrderTerm:
    """One ``order_by`` item: a field and its direction."""

    field: Field
    descending: bool = False


# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------

TokenKind = Literal["word", "qident", "number", "string", "op", "(", ")", ",", "end"]


@dataclass(frozen=True)
class Token:
    """One token: ``text`` exactly as written, ``column`` 1-based, ``value`` decoded.

    ``value`` is the float of a number, the contents of a string, the key of
    a ``qident`` (``prefix.`quoted key```), the normalised operator, or the word.
    """

    kind: TokenKind
    text: str
    column: int
    value: str | float = ""


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``end`` token; raise on bad characters."""
    surrogate = _SURROGATE.search(text)
    if surrogate:
        raise FilterParseError("invalid character (a lone surrogate)", text, surrogate.start() + 1)
    tokens: list[Token] = []
    pos = _skip_space(text, 0)
    while pos < len(text):
        token = _read_token(text, pos)
        tokens.append(token)
        pos = _skip_space(text, pos + len(token.text))
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _read_token(text: str, pos: int) -> Token:
    char = text[pos]
    if char in "(),":
        return Token(cast(TokenKind, char), char, pos + 1, char)
    if char in "'\"":
        value, end = _read_quoted(text, pos, "string")
        return Token("string", text[pos:end], pos + 1, value)
    if char in "<>=!":
        return _read_operator(text, pos)
    if _NUMBER.match(text, pos):
        return _read_number(text, pos)
    if _WORD.match(text, pos):
        return _read_word(text, pos)
    if char == "`":
        raise FilterParseError("a `quoted` key must follow a prefix, e.g. tags.`my key`", text, pos + 1)
    raise FilterParseError(f"unexpected character {char!r}", text, pos + 1)


def _read_quoted(text: str, pos: int, what: str) -> tuple[str, int]:
    """Decode the quoted run starting at ``pos``; return (contents, index after the closing quote)."""
    quote, out, i = text[pos], [], pos + 1
    while i < len(text):
        char, following = text[i], text[i + 1 : i + 2]
        if char == "\\" and following in (quote, "\\"):
            out.append(following)
            i += 2
        elif char == quote and following == quote:
            out.append(quote)
            i += 2
        elif char == quote:
            return "".join(out), i + 1
        else:
            out.append(char)
            i += 1
    raise FilterParseError(f"unterminated {what}: no closing {quote}", text, pos + 1)


def _read_operator(text: str, pos: int) -> Token:
    for op in _OPERATORS:
        if text.startswith(op, pos):
            if op == "==":
                raise FilterParseError("use '=' to compare, not '=='", text, pos + 1)
            return Token("op", op, pos + 1, "!=" if op == "<>" else op)
    raise FilterParseError("unexpected character '!'; use != for 'not equal'", text, pos + 1)


def _read_number(text: str, pos: int) -> Token:
    match = _NUMBER.match(text, pos)
    assert match is not None
    end = match.end()
    if end < len(text) and (text[end].isalnum() or text[end] in "_."):
        glued = _GLUED.match(text, end)
        bad = text[pos : glued.end() if glued else end]
        raise FilterParseError(f"malformed number {bad!r}", text, pos + 1)
    return Token("number", match.group(), pos + 1, float(match.group()))


def _read_word(text: str, pos: int) -> Token:
    match = _WORD.match(text, pos)
    assert match is not None
    word, end = match.group(), match.end()
    following = text[end : end + 1]
    if word.endswith(".") and following in _QUOTES and following:
        return _read_quoted_key(text, pos, word, end)
    if following and "." in word and not _KEY_STOP.match(following):
        prefix, _, key = word.partition(".")
        stop = _KEY_STOP.search(text, end)
        rest = text[end : stop.start() if stop else len(text)]
        raise FilterParseError(
            f"{following!r} cannot appear in a bare key; quote the key: {prefix}.`{key}{rest}`",
            text,
            end + 1,
        )
    return Token("word", word, pos + 1, word)


def _read_quoted_key(text: str, pos: int, word: str, end: int) -> Token:
    if word.count(".") != 1:
        raise FilterParseError(
            "a quoted key must follow the prefix directly, e.g. params.`a.b`", text, end + 1
        )
    key, key_end = _read_quoted(text, end, "quoted key")
    if not key:
        raise FilterParseError("empty key", text, end + 1)
    return Token("qident", text[pos:key_end], pos + 1, key)


def _keyword(token: Token) -> str | None:
    """The upper-cased keyword this token spells, or None."""
    if token.kind == "word" and token.text.upper() in KEYWORDS:
        return token.text.upper()
    return None


def _shown(token: Token) -> str:
    """A token as written, quoted unless it is a word (so: after AND, after '(')."""
    return token.text if token.kind in ("word", "qident") else f"'{token.text}'"


def _describe(token: Token) -> str:
    """How an error message names a found token."""
    if token.kind == "end":
        return "end of input"
    if token.kind in ("string", "number"):
        return f"{token.kind} {token.text}"
    return f"'{token.text}'"


# ---------------------------------------------------------------------------
# Fields and values
# ---------------------------------------------------------------------------


def _did_you_mean(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _resolve_field(text: str, token: Token) -> Field:
    """Turn a ``word`` or ``qident`` token into a Field; unknown prefixes/attributes raise."""
    if token.kind == "qident":
        prefix, key = token.text.split(".", 1)[0], str(token.value)
    elif "." in token.text:
        prefix, key = token.text.split(".", 1)
    else:
        return _attribute_field(text, token.text, token.column, bare=True)
    key_column = token.column + len(prefix) + 1
    entity = ENTITY_PREFIXES.get(prefix.lower())
    if entity is None:
        hint = _did_you_mean(prefix.lower(), list(ENTITY_PREFIXES))
        raise FilterParseError(
            f"unknown prefix '{prefix}'{hint}; valid: metrics, params, tags, attributes",
            text,
            token.column,
        )
    if not key:
        raise FilterParseError(f"expected a key after '{prefix}.'", text, key_column)
    if entity == "attribute":
        return _attribute_field(text, key, key_column, bare=False)
    if entity == "tag" and key == "mlflow.runName":
        return Field("attribute", "run_name")
    return Field(entity, key)


def _attribute_field(text: str, name: str, column: int, *, bare: bool) -> Field:
    canonical = name.lower()
    if canonical in ATTRIBUTE_TYPES:
        return Field("attribute", canonical)
    if bare and canonical in ENTITY_PREFIXES:
        raise FilterParseError(f"expected '.' and a key after '{name}', e.g. {name}.accuracy", text, column)
    hint = _did_you_mean(canonical, list(ATTRIBUTE_TYPES))
    message = f"unknown attribute {name!r}{hint}; valid: {', '.join(ATTRIBUTE_TYPES)}"
    if bare and not hint:
        message += f" (keys need a prefix: metrics.{name}, params.{name} or tags.{name})"
    raise FilterParseError(message, text, column)


def _value_kind(field: Field) -> Literal["number", "text", "any", "time"]:
    """What literals a field accepts: numbers, strings, both, or times."""
    if field.entity == "metric":
        return "number"
    if field.entity in ("param", "tag"):
        return "any"
    return ATTRIBUTE_TYPES[field.key]


_VALUE_NOUNS = MappingProxyType(
    {
        "number": "a number",
        "text": "a string",
        "any": "a number or string",
        "time": "a time (ms since epoch, or an ISO date string)",
    }
)


def _field_name(field: Field) -> str:
    return f"attributes.{field.key}" if field.entity == "attribute" else f"{field.entity}s.{field.key}"


def _coerce(text: str, field: Field, token: Token) -> Value:
    """The literal of ``token`` as ``field`` compares with it; a type mismatch raises."""
    kind = _value_kind(field)
    if kind == "time":
        return _time_value(text, field, token)
    if kind == "number" and token.kind == "string":
        if field.entity == "metric":
            message = "metrics compare with numbers, not strings: use params.* or tags.* for text"
        else:
            message = f"{_field_name(field)} compares with numbers (seconds), not strings"
        raise FilterParseError(message, text, token.column)
    if kind == "text" and token.kind == "number":
        raise FilterParseError(
            f"{_field_name(field)} compares with strings, not numbers: quote the value, e.g. '{token.text}'",
            text,
            token.column,
        )
    return token.value


def _time_value(text: str, field: Field, token: Token) -> int | float:
    """Ms since the epoch from a number (exact for integers) or an ISO date/datetime string."""
    if token.kind == "number":
        # Integers stay exact; the length check keeps int() within its digit limit.
        if _INTEGER.fullmatch(token.text) and len(token.text) <= 20 and abs(int(token.text)) <= _INT64_MAX:
            return int(token.text)
        return float(token.value)
    millis = _iso_to_ms(str(token.value))
    if millis is None:
        raise FilterParseError(
            f"expected an ISO date or datetime for {_field_name(field)} "
            f"(e.g. '2024-05-01' or '2024-05-01T12:30:00Z'), found {token.text}",
            text,
            token.column,
        )
    return millis


def _iso_to_ms(value: str) -> int | None:
    """Parse an ISO 8601 date or datetime (naive means UTC) to int ms, or None."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the token list of one filter or order_by item."""

    def __init__(self, text: str, *, max_length: int | None = None, what: str = "filter") -> None:
        max_length = MAX_FILTER_LENGTH if max_length is None else max_length
        if not isinstance(text, str):
            raise FilterParseError(f"a {what} must be a string, not {type(text).__name__}", "", 1)
        if len(text) > max_length:
            raise FilterTooLargeError(
                f"the {what} is {len(text):,} characters long; the limit is {max_length:,}. "
                "Split the search, or use nbtrack.sql() for very long conditions",
                text,
                max_length + 1,
            )
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.terms = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def fail(self, message: str, column: int) -> NoReturn:
        raise FilterParseError(message, self.text, column)

    @contextmanager
    def nested(self, token: Token) -> Iterator[None]:
        """Count one level of nesting (parenthesis or NOT) and refuse absurd depths."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"filter nests deeper than {MAX_DEPTH} levels", token.column)
        try:
            yield
        finally:
            self.depth -= 1

    def parse(self) -> Expr | None:
        if self.peek().kind == "end":
            return None
        expr = self.or_expr()
        token = self.peek()
        if token.kind == ")":
            self.fail("unbalanced parenthesis: this ')' has no matching '('", token.column)
        if token.kind != "end":
            self.fail(f"expected AND or OR, found {_describe(token)}", token.column)
        return expr

    def or_expr(self) -> Expr:
        operands = [self.and_expr()]
        while _keyword(self.peek()) == "OR":
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Expr:
        operands = [self.not_expr()]
        while _keyword(self.peek()) == "AND":
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Expr:
        token = self.peek()
        if _keyword(token) == "NOT":
            self.advance()
            with self.nested(token):
                return Not(self.not_expr())
        if token.kind == "(":
            return self.group()
        return self.comparison()

    def group(self) -> Expr:
        opening = self.advance()
        with self.nested(opening):
            expr = self.or_expr()
        closing = self.peek()
        if closing.kind == "end":
            self.fail("unbalanced parenthesis: this '(' is never closed", opening.column)
        if closing.kind != ")":
            self.fail(f"expected AND, OR or ')', found {_describe(closing)}", closing.column)
        self.advance()
        return expr

    def field(self, expected: str = "a comparison") -> tuple[Field, Token]:
        """Read the field that starts a comparison (or an order_by item)."""
        previous = self.tokens[self.pos - 1] if self.pos else None
        token = self.advance()
        if token.kind == "qident" or (token.kind == "word" and _keyword(token) is None):
            return _resolve_field(self.text, token), token
        after = f" after {_shown(previous)}" if previous is not None else ""
        self.fail(f"expected {expected}{after}, found {_describe(token)}", token.column)

    def comparison(self) -> Predicate:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise FilterTooLargeError(
                f"the filter has more than {MAX_TERMS} comparisons; split the search, "
                "use IN (...) for many values of one key, or use nbtrack.sql()",
                self.text,
                self.peek().column,
            )
        field, field_token = self.field()
        following = self.peek()
        if following.kind == "op":
            return self.binary(field, field_token)
        word = _keyword(following)
        if word == "IS":
            return self.null_check(field)
        negated = word == "NOT"
        if negated:
            self.advance()
            word = _keyword(self.peek())
            if word not in ("IN", "LIKE", "ILIKE"):
                self.fail(
                    f"expected IN, LIKE or ILIKE after NOT, found {_describe(self.peek())}",
                    self.peek().column,
                )
        if word == "IN":
            return self.in_list(field, negated)
        if word in ("LIKE", "ILIKE"):
            return self.like(field, negated)
        self.fail(
            f"expected a comparison operator after {field_token.text}, found {_describe(following)}",
            following.column,
        )

    def value(self, field: Field, where: str) -> tuple[Value, Token]:
        """Read one literal for ``field``; ``where`` says where it was expected, for errors."""
        token = self.advance()
        if token.kind in ("number", "string"):
            return _coerce(self.text, field, token), token
        if _keyword(token) == "NULL":
            self.fail("compare with NULL using IS NULL or IS NOT NULL", token.column)
        kind = _value_kind(field)
        message = f"expected {_VALUE_NOUNS[kind]} {where}, found {_describe(token)}"
        if token.kind == "word" and kind in ("text", "any", "time"):
            message += f"; quote text values: '{token.text}'"
        self.fail(message, token.column)

    def binary(self, field: Field, field_token: Token) -> Comparison:
        op = self.advance()
        value, _ = self.value(field, f"after {field_token.text} {op.text}")
        return Comparison(field, cast(CompareOp, op.value), value)

    def in_list(self, field: Field, negated: bool) -> InList:
        in_token = self.advance()
        opening = self.advance()
        if opening.kind != "(":
            self.fail(f"expected '(' after {in_token.text}, found {_describe(opening)}", opening.column)
        if self.peek().kind == ")":
            self.fail("empty IN list", self.peek().column)
        values, tokens = [], []
        while True:
            value, token = self.value(field, "in the IN list")
            values.append(value)
            tokens.append(token)
            separator = self.advance()
            if separator.kind == ")":
                break
            if separator.kind != ",":
                self.fail(
                    f"expected ',' or ')' in the IN list, found {_describe(separator)}", separator.column
                )
        self.check_uniform(field, tokens)
        return InList(field, tuple(values), negated)

    def check_uniform(self, field: Field, tokens: list[Token]) -> None:
        """Params and tags compare as numbers or as text, so one IN list cannot mix the two."""
        if _value_kind(field) != "any":
            return
        for token in tokens[1:]:
            if token.kind != tokens[0].kind:
                self.fail("IN list mixes strings and numbers", token.column)

    def like(self, field: Field, negated: bool) -> Like:
        keyword = self.advance()
        name = keyword.text.upper()
        if field.entity == "metric":
            self.fail(f"{name} does not apply to metrics: use params.* or tags.* for text", keyword.column)
        if _value_kind(field) in ("time", "number"):
            self.fail(f"{name} does not apply to {_field_name(field)}, which is not text", keyword.column)
        pattern = self.advance()
        if pattern.kind != "string":
            self.fail(f"{name} needs a string pattern, found {_describe(pattern)}", pattern.column)
        return Like(field, str(pattern.value), negated, case_insensitive=name == "ILIKE")

    def null_check(self, field: Field) -> IsNull:
        self.advance()
        negated = _keyword(self.peek()) == "NOT"
        if negated:
            self.advance()
        token = self.advance()
        if _keyword(token) != "NULL":
            expected = "NULL after IS NOT" if negated else "NULL or NOT NULL after IS"
            self.fail(f"expected {expected}, found {_describe(token)}", token.column)
        return IsNull(field, negated)

    def order_term(self) -> OrderTerm:
        """One order_by item: a field, then optionally ASC or DESC, then nothing."""
        if self.peek().kind == "end":
            self.fail("empty order_by item; expected a field such as 'metrics.accuracy DESC'", 1)
        field, field_token = self.field("a field to order by")
        last, token = field_token, self.advance()
        direction = token.text.upper() if token.kind == "word" else ""
        if direction in ("ASC", "DESC"):
            last, token = token, self.advance()
        elif token.kind != "end":
            self.fail(
                f"expected ASC or DESC after {field_token.text}, found {_describe(token)}", token.column
            )
        if token.kind != "end":
            self.fail(
                f"expected end of order_by item after {last.text}, found {_describe(token)}", token.column
            )
        return OrderTerm(field, descending=direction == "DESC")


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def parse_filter(text: str) -> Expr | None:
    """Parse a filter string into a tree; None for empty or blank text.

    Raises :class:`~nbtrack.errors.FilterParseError` (with a 1-based column)
    for anything malformed, including literals of the wrong type.
    """
    return _Parser(text).parse()


def parse_order_by(items: Sequence[str]) -> list[OrderTerm]:
    """Parse order_by items such as ``"metrics.accuracy DESC"`` (default ASC).

    A bad item raises :class:`~nbtrack.errors.FilterParseError` whose text is
    that item and whose column is inside it.
    """
    if isinstance(items, str):
        raise TypeError("order_by takes a list of strings, e.g. ['metrics.accuracy DESC']")
    items = list(items)
    if len(items) > MAX_ORDER_TERMS:
        extra = items[MAX_ORDER_TERMS]
        raise FilterTooLargeError(
            f"order_by has {len(items)} items; the limit is {MAX_ORDER_TERMS}",
            extra if isinstance(extra, str) else "",
            1,
        )
    return [_Parser(item, max_length=MAX_ORDER_LENGTH, what="order_by item").order_term() for item in items]
