"""Property: no edit of a valid config makes synth crash. Synth succeeds, or exits 1 with one
message whose every line is `  - field path: message`.

Mutations of the example configs (default and the two stage configs, merged, with their real
schema and data files so they reach the name and cross-field rules): rename an item (unicode,
long, separator-only changes such as `user-personalization` → `user_personalization`), drop a
key, duplicate a list item, retype a value, put a number out of range. Synths run in this
process (jsii starts once). Examples are bounded and derandomized so `make test` stays short
and repeatable; `HYPOTHESIS_PROFILE=explore` runs random ones (`HYPOTHESIS_EXAMPLES`, default 500).
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import app
from stacks.config_model.loader import read_merged
from tests.support.synth import REPO

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "explore",
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "500")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
EXAMPLES = {
    name: read_merged(REPO / "config" / name)[0]
    for name in ("default.yaml", "stages/dev.yaml", "stages/prod.yaml")
}
PROBLEM_LINE = re.compile(r"^  - [A-Za-z_][\w.\[\]\-]*: .+$")
HEADER = re.compile(r"^.+: \d+ problems? in the config:$")

names = st.one_of(
    st.sampled_from(["user_personalization", "User-Personalization", "user--personalization", "x-parameter"]),
    st.text(min_size=1, max_size=80),  # unicode, empty-ish, long
    st.text(alphabet="abcdefghij-_0123456789", min_size=1, max_size=70),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.just([]),
    st.just({}),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into the config tree (mapping keys and list indexes)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found += [(*prefix, key), *_paths(child, (*prefix, key))]
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += [(*prefix, index), *_paths(child, (*prefix, index))]
    return found


def _parent(config: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        config = config[part]
    return config


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    config = copy.deepcopy(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(config)
        path = draw(st.sampled_from(paths))
        parent, key = _parent(config, path), path[-1]
        kind = draw(st.sampled_from(["rename", "drop", "duplicate", "retype", "range"]))
        if kind == "rename":
            lists = [p for p in paths if len(p) == 2 and p[0] in ("solutions", "campaigns", "filters")]
            if lists:
                item = config[lists[0][0]][
                    draw(st.sampled_from([p[1] for p in lists if p[0] == lists[0][0]]))
                ]
                item["name"] = draw(names)
        elif kind == "drop":
            del parent[key]
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif kind == "duplicate" and isinstance(parent[key], list) and parent[key]:
            parent[key].append(copy.deepcopy(parent[key][0]))
        elif kind == "retype":
            parent[key] = draw(scalars)
        elif isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
            parent[key] = draw(st.sampled_from([0, -1, 10**9, 0.5, 721, 29]))
    return config


@pytest.fixture(scope="module")
def context() -> dict[str, Any]:
    return dict(json.loads((REPO / "cdk.json").read_text())["context"])


@settings(settings.get_profile(PROFILE))
@given(config=mutated())
def test_a_mutated_config_synthesizes_or_names_every_problem(config, context, tmp_path_factory, capsys):
    # GIVEN a mutation of a valid example config, written as YAML
    work = tmp_path_factory.mktemp("prop")
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    # WHEN the app synthesizes it (an exception other than a config error fails the test)
    code = app.run(cdk.App(outdir=str(work / "out"), context=context), str(path), None)
    err = capsys.readouterr().err
    event("synthesized" if code == 0 else "refused with field paths")
    # THEN it succeeds, or exits 1 with a header and one `field path: message` line per problem
    if code == 0:
        assert list(Path(work / "out").glob("*.template.json")), "synth succeeded without a template"
        return
    assert code == 1
    lines = err.strip().splitlines()
    assert HEADER.match(lines[0]), err
    bad = [line for line in lines[1:] if not PROBLEM_LINE.match(line)]
    assert not bad, err
