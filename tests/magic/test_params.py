"""Parameter extraction and -p overrides on real ASTs (properties with hypothesis)."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbtrack.capture.identity import source_fingerprint
from nbtrack.capture.params import (
    apply_overrides,
    find_params,
    has_top_level_await,
    parse_overrides,
    splice_overrides,
)
from nbtrack.errors import MagicUsageError

scalars = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.booleans(),
    st.none(),
)
literals = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.lists(inner, min_size=1, max_size=3).map(tuple),
        st.dictionaries(st.text("abc", min_size=1, max_size=3), inner, min_size=1, max_size=3),
    ),
    max_leaves=6,
)
names = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True).filter(
    lambda n: n not in {"if", "in", "is", "or", "and", "not", "for", "def", "del", "as", "try"}
)


def _run(tree: ast.Module) -> dict:
    namespace: dict = {}
    exec(compile(tree, "<cell>", "exec"), namespace)
    return namespace


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(names, literals, min_size=1, max_size=5), st.data())
def test_literal_assignments_are_found_and_overrides_take_effect(values, data):
    lines = [f"{name} = {value!r}" for name, value in values.items()]
    lines.append("total = len(" + repr(list(values)) + ")")  # not a literal: not a param
    source = "\n".join(lines) + "\n"
    tree = ast.parse(source)
    params = find_params(tree)
    expected = {
        name: value
        for name, value in values.items()
        if not (isinstance(value, (list, tuple, dict)) and not value)
    }
    assert params.values() == expected

    chosen = data.draw(st.sampled_from(sorted(params.params))) if params.params else None
    if chosen is None:
        return
    new_value = data.draw(literals)
    if isinstance(params.params[chosen].value, str) and not isinstance(new_value, (str, type(None))):
        new_value = repr(new_value)  # where the cell assigns text, an override stays text
    overrides = parse_overrides([f"{chosen}={new_value!r}"], params)
    replaced = apply_overrides(params, overrides)
    namespace = _run(ast.fix_missing_locations(tree))
    assert namespace[chosen] == new_value
    spliced = splice_overrides(source, replaced)
    assert spliced.count("\n") == source.count("\n")
    assert find_params(ast.parse(spliced)).values()[chosen] == new_value


def test_every_literal_form_and_what_is_not_a_param():
    source = """
a = 1
b = -2.5
c = 'text'
d = True
e = None
f = [1, 'x', None]
g = (1, -2)
h = {'k': [1, 2]}
i: int = 3
j: float
k, m = 4, 'five'
n = o = 6
p = {1, 2}
q = 1e-3
r = +7
s = 1 + 2j
_hidden = 1
computed = len('abc')
formatted = f"{a}"
losses = []
a += 1
obj.attr = 1
items[0] = 2
first, *rest = 1, 2, 3
if True:
    nested = 1
def fn():
    inner = 1
"""
    params = find_params(ast.parse(source))
    assert params.values() == {
        "a": 1,
        "b": -2.5,
        "c": "text",
        "d": True,
        "e": None,
        "f": [1, "x", None],
        "g": (1, -2),
        "h": {"k": [1, 2]},
        "i": 3,
        "k": 4,
        "m": "five",
        "n": 6,
        "o": 6,
        "p": {1, 2},
        "q": 0.001,
        "r": 7,
        "s": 1 + 2j,
    }


def test_the_last_literal_assignment_wins_and_an_override_replaces_every_one():
    source = "lr = 0.1\nlr = 0.01\nuse = lr\n"
    tree = ast.parse(source)
    params = find_params(tree)
    assert params.values() == {"lr": 0.01}
    replaced = apply_overrides(params, parse_overrides(["lr=0.5"], params))
    assert _run(ast.fix_missing_locations(tree))["use"] == 0.5
    assert splice_overrides(source, replaced) == "lr = 0.5\nlr = 0.5\nuse = lr\n"


def test_a_multiline_value_is_spliced_onto_one_line_keeping_line_numbers():
    source = "grid = {\n    'a': 1,  # comment\n}  # keep me\nafter = 1\n"
    params = find_params(tree := ast.parse(source))
    replaced = apply_overrides(params, parse_overrides(["grid={'a': 2}"], params))
    spliced = splice_overrides(source, replaced)
    assert spliced.splitlines() == ["grid = {'a': 2}  # keep me", "", "", "after = 1"]
    assert tree.body[1].lineno == 4


def test_unicode_before_a_value_is_handled_by_byte_offsets():
    source = "name = 'é'; depth = 3\n"
    params = find_params(ast.parse(source))
    replaced = apply_overrides(params, parse_overrides(["depth=9"], params))
    assert splice_overrides(source, replaced) == "name = 'é'; depth = 9\n"


@pytest.mark.parametrize(
    ("item", "current", "expected"),
    [
        ("n=12", 8, 12),
        ("n=-1.5", 8, -1.5),
        ("'n=[1, 2]'", [3], [1, 2]),
        ('"n=xgb"', "rf", "xgb"),
        ("n='xgb'", "rf", "xgb"),
        ("n=12", "rf", "12"),  # the cell assigns text: the value stays text
        ("n=None", "rf", None),
        ("n=abc", None, "abc"),
        ("n=1e999", 1.0, float("inf")),
    ],
)
def test_override_values_are_python_literals(item, current, expected):
    params = find_params(ast.parse(f"n = {current!r}\n"))
    assert parse_overrides([item], params) == {"n": expected}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["depth"], "-p takes name=value"),
        (["=3"], "-p takes name=value"),
        (["2x=3"], "is not a Python variable name"),
        (["depth=abc"], "'abc' is not a Python literal (the cell assigns int 8)"),
        (["depth=1", "depth=2"], "-p depth is given twice"),
        (["width=1"], "Its parameters (top-level assignments of literals) are: depth, model"),
    ],
)
def test_bad_overrides_say_what_to_do(items, message):
    params = find_params(ast.parse("depth = 8\nmodel = 'rf'\n"))
    with pytest.raises(MagicUsageError) as error:
        parse_overrides(items, params)
    assert message in str(error.value)


def test_non_finite_override_values_compile():
    params = find_params(tree := ast.parse("x = 1.0\n"))
    apply_overrides(params, {"x": float("nan")})
    value = _run(ast.fix_missing_locations(tree))["x"]
    assert value != value


def test_identity_ignores_parameter_values_but_not_code():
    def fingerprint(source: str) -> str:
        tree = ast.parse(source)
        return source_fingerprint(tree, set(find_params(tree).params), "opts", "nb.ipynb")

    base = fingerprint("depth = 8\nfit(depth)\n")
    assert fingerprint("depth = 12\nfit(depth)\n") == base
    assert fingerprint("depth = 8\nfit(depth, 2)\n") != base
    tree = ast.parse("depth = 8\n")
    assert source_fingerprint(tree, {"depth"}, "opts", "other.ipynb") != source_fingerprint(
        tree, {"depth"}, "opts", "nb.ipynb"
    )


def test_top_level_await_is_detected_but_not_inside_functions():
    assert has_top_level_await(
        compile("await f()", "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT),
        "await f()",
    )
    source = "async def g():\n    await f()\n"
    assert not has_top_level_await(ast.parse(source), source)
