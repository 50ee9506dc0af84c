"""Parameter extraction and -p overrides on real ASTs (properties with hypothesis)."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbtrack.capture.identity import source_fingerprint
from nbtrack.capture.params import (
    apply_overrides,
    exclude,
    find_params,
    has_top_level_await,
    ignored_lines,
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


def _flat(value: dict, base: str):
    for key, item in value.items():
        name = f"{base}/{key}" if base else key
        if isinstance(item, dict) and item:
            yield from _flat(item, name)
        else:
            yield name, item


def _expected(values: dict, prefix: bool) -> dict:
    """The params rule written plainly: dicts flattened, empty containers skipped, the last one wins."""
    expected: dict = {}
    for name, value in values.items():
        if isinstance(value, dict) and value:
            expected.update(_flat(value, name if prefix else ""))
        elif not (isinstance(value, (list, tuple, dict)) and not value):
            expected[name] = value
    return expected


def _lookup(namespace: dict, params, name: str, prefix: bool):
    """The value the cell's code sees for a param (a dict entry is read through its dict)."""
    origin = params.params[name].origin
    if origin is None:
        return namespace[name]
    value = namespace[origin]
    for key in name.split("/")[1:] if prefix else name.split("/"):
        value = value[key]
    return value


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(names, literals, min_size=1, max_size=5), st.booleans(), st.data())
def test_literal_assignments_are_found_and_overrides_take_effect(values, prefix, data):
    lines = [f"{name} = {value!r}" for name, value in values.items()]
    lines.append("total = len(" + repr(list(values)) + ")")  # not a literal: not a param
    source = "\n".join(lines) + "\n"
    tree = ast.parse(source)
    params = find_params(tree, prefix=prefix)
    assert params.values() == _expected(values, prefix)

    chosen = data.draw(st.sampled_from(sorted(params.params))) if params.params else None
    if chosen is None:
        return
    new_value = data.draw(literals.filter(lambda v: not isinstance(v, dict)))  # a dict would flatten
    if isinstance(params.params[chosen].value, str) and not isinstance(new_value, (str, type(None))):
        new_value = repr(new_value)  # where the cell assigns text, an override stays text
    overrides = parse_overrides([f"{chosen}={new_value!r}"], params)
    replaced = apply_overrides(params, overrides)
    namespace = _run(ast.fix_missing_locations(tree))
    assert _lookup(namespace, params, chosen, prefix) == new_value  # the code really runs with the override
    spliced = splice_overrides(source, replaced)
    assert spliced.count("\n") == source.count("\n")
    assert find_params(ast.parse(spliced), prefix=prefix).values()[chosen] == new_value


def test_every_literal_form_and_what_is_not_a_param():
    source = """
a = 1
b = -2.5
c = 'text'
d = True
e = None
f = [1, 'x', None]
g = (1, -2)
h = {'hk': [1, 2], 'deep': {'x': 1, 'y': {}}}
labels = {0: 'cat', 1: 'dog'}
both = same = {'z': 1}
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
        "hk": [1, 2],  # a dict of literals: one param per key, nested keys joined with /
        "deep/x": 1,
        "deep/y": {},
        "labels": {0: "cat", 1: "dog"},  # keys that are not text: a mapping, kept whole
        "both": {"z": 1},  # one value, two names: kept whole
        "same": {"z": 1},
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
    source = "grid = [\n    1,  # comment\n]  # keep me\nafter = 1\n"
    params = find_params(tree := ast.parse(source))
    replaced = apply_overrides(params, parse_overrides(["grid=[2, 3]"], params))
    spliced = splice_overrides(source, replaced)
    assert spliced.splitlines() == ["grid = [2, 3]  # keep me", "", "", "after = 1"]
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
        (["width=1"], "Its parameters (top-level assignments of literals and the entries of dicts of"),
        (["width=1"], "literals) are: depth, model"),
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


def test_a_dict_of_literals_is_one_param_per_key_and_prefix_names_them_dict_slash_key():
    source = 'params = {"n_estimators": 100, "opt": {"lr": 0.1}, "": 1, "../up": 2, "x\\n": 3}\n'
    plain = find_params(ast.parse(source))
    assert plain.values() == {"n_estimators": 100, "opt/lr": 0.1}
    assert plain.dicts == {"params": ["n_estimators", "opt/lr"]}
    assert plain.skipped == ["''", "'../up'", "'x\\n'"]
    assert plain.notes() == ["dict keys that cannot be param keys, not logged: '', '../up', 'x\\n'"]
    prefixed = find_params(ast.parse(source), prefix=True)
    assert prefixed.values() == {"params/n_estimators": 100, "params/opt/lr": 0.1}


def test_a_dict_that_is_not_all_literal_is_no_param_at_all():
    assert find_params(ast.parse("cfg = {'lr': 0.1, 'model': make()}\n")).values() == {}


def test_a_key_assigned_twice_is_noted_and_the_last_assignment_wins():
    params = find_params(ast.parse("lr = 0.5\nopt = {'lr': 0.1}\n"))
    assert params.values() == {"lr": 0.1}
    assert params.collisions == ["lr"] and "--param-prefix" in params.notes()[0]
    prefixed = find_params(ast.parse("lr = 0.5\nopt = {'lr': 0.1}\n"), prefix=True)
    assert prefixed.values() == {"lr": 0.5, "opt/lr": 0.1} and prefixed.collisions == []


def test_an_override_rewrites_the_dict_entry_the_code_runs_with():
    source = 'params = {\n    "n_estimators": 100,\n    "max_depth": 8,\n}\nused = params["n_estimators"]\n'
    params = find_params(tree := ast.parse(source))
    replaced = apply_overrides(params, parse_overrides(["n_estimators=300"], params))
    assert _run(ast.fix_missing_locations(tree))["used"] == 300
    assert splice_overrides(source, replaced).splitlines()[1] == '    "n_estimators": 300,'
    prefixed = find_params(tree := ast.parse(source), prefix=True)
    apply_overrides(prefixed, parse_overrides(["params/max_depth=3"], prefixed))
    assert _run(ast.fix_missing_locations(tree))["params"] == {"n_estimators": 100, "max_depth": 3}


def test_overriding_a_flattened_dict_by_its_name_says_to_override_an_entry():
    params = find_params(ast.parse("params = {'n_estimators': 100}\n"))
    with pytest.raises(
        MagicUsageError, match=r"-p params: the entries of the dict params .* n_estimators=100"
    ):
        parse_overrides(["params={'n_estimators': 5}"], params)


IGNORED = """ymin = 2300  # nbtrack: ignore
ymax = 2400  #NBTRACK: IGNORE (plot limit)
limits = (
    0, 1,
)  # nbtrack: ignore
note = "# nbtrack: ignore"
cfg = {
    "lr": 0.1,
    "debug": True,  # nbtrack: ignore
}
grid = {"a": 1}  # nbtrack: ignore
depth = 8  # nbtrack: ignored-not (another word)
"""


def test_an_ignore_comment_is_read_from_tokens_and_leaves_out_its_assignment_or_dict_entry():
    lines = ignored_lines(IGNORED)
    assert lines == {1, 2, 5, 9, 11}  # not line 6: that text is inside a string
    params = find_params(ast.parse(IGNORED), ignored=lines)
    assert params.values() == {"note": "# nbtrack: ignore", "lr": 0.1, "depth": 8}
    assert params.excluded == ["ymin", "ymax", "limits", "debug", "grid"]


def test_ignored_lines_survive_text_that_does_not_tokenize():
    assert ignored_lines("x = 1  # nbtrack: ignore\ns = '''never closed\n") == {1}


def test_exclude_leaves_names_and_whole_dicts_out_and_an_unknown_name_lists_the_params():
    params = find_params(ast.parse("ymin = 0\nymax = 1\ncfg = {'lr': 0.1, 'wd': 0.0}\ndepth = 8\n"))
    exclude(params, ["ymin", "cfg"])
    assert params.values() == {"ymax": 1, "depth": 8}
    with pytest.raises(MagicUsageError) as error:
        exclude(params, ["ymni"])
    assert str(error.value).startswith("--exclude ymni: this cell has no parameter of that name")
    assert "are: ymax, depth" in str(error.value)


comment_rows = st.lists(st.tuples(names, literals, st.booleans()), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(comment_rows)
def test_exactly_the_commented_assignments_are_left_out(rows):
    source = "".join(f"{n} = {v!r}{'  # nbtrack: ignore' if ignore else ''}\n" for n, v, ignore in rows)
    found = find_params(ast.parse(source), ignored=ignored_lines(source))
    kept: dict = {}
    for name, value, ignore in rows:
        if not ignore:
            kept.update(_expected({name: value}, False))
    assert found.values() == kept


def _options(line: str):
    from IPython.core.magic_arguments import parse_argstring

    from nbtrack.magics import NbtrackMagics
    from nbtrack.magics.options import check

    return check(parse_argstring(NbtrackMagics.track, line))


def test_exclude_and_param_prefix_options_are_checked_before_anything_runs():
    options = _options("--exclude ymin,ymax --exclude 'ymin, xlim' --param-prefix")
    assert options.exclude == ["ymin", "ymax", "xlim"] and options.param_prefix
    assert _options("").exclude == [] and not _options("").param_prefix
    for line, message in (
        ("--exclude ,", "--exclude takes parameter names separated by commas"),
        ("--exclude a,,b", "--exclude takes parameter names separated by commas"),
        ("--exclude /abs", "looks like a path"),
    ):
        with pytest.raises(MagicUsageError, match=message):
            _options(line)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80).map(lambda text: text + "  # nbtrack: ignore\n" + text))
def test_ignored_lines_never_raise_on_any_text(text):
    lines = ignored_lines(text)
    assert all(1 <= line <= text.count("\n") + 1 for line in lines)
