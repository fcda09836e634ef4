"""`batch_jobs:` config: which recipe makes which kind of job, refused at synth naming the field."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from typing import Any

import botocore.session
import pytest
import yaml

from stacks.config_model import ConfigError
from stacks.config_model.loader import read_merged, validate
from stacks.config_model.recipes import RECIPES
from tests.support.synth import REPO

EXAMPLE = REPO / "config" / "examples" / "batch.yaml"
SOURCE = "batch.yaml"


def example(**job: Any) -> dict[str, Any]:
    """The batch example with its first job (recommendations on user-personalization) changed."""
    raw, _ = read_merged(EXAMPLE)
    raw = copy.deepcopy(raw)
    raw["batch_jobs"][0].update(job)
    return raw


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        validate(raw, SOURCE)
    return [str(p) for p in caught.value.problems]


def test_the_example_is_valid_with_both_kinds():
    # GIVEN the batch example WHEN it is validated THEN it declares one job of each kind
    cfg = validate(example(), SOURCE)
    assert [(j.name, j.kind) for j in cfg.batch_jobs] == [
        ("nightly-lists", "recommendations"),
        ("mailing-segments", "segments"),
    ]


def test_fails_when_segments_are_asked_of_a_recipe_without_affinity():
    # GIVEN a segments job on the user-personalization solution
    raw = example(kind="segments")
    # WHEN it is validated THEN the kind is named with the affinity recipes to use
    assert problems(raw) == [
        "batch_jobs[0].kind: segments need an affinity recipe (aws-item-affinity, "
        "aws-item-attribute-affinity); solution 'user-personalization' uses aws-user-personalization"
    ]


@pytest.mark.parametrize("recipe", ["aws-trending-now", "aws-next-best-action", "aws-item-affinity"])
def test_fails_when_recommendations_are_asked_of_a_recipe_without_batch_inference(recipe):
    # GIVEN a recommendations job on a solution whose recipe makes no batch recommendations
    raw = example()
    raw["solutions"][1]["recipe"] = recipe
    raw["batch_jobs"][0]["solution"] = raw["solutions"][1]["name"]
    # WHEN it is validated THEN the kind is named
    (found,) = problems(raw)
    assert found.startswith(f"batch_jobs[0].kind: recipe {recipe} of solution ")


def test_the_recipes_without_batch_inference_are_those_createbatchinferencejob_names():
    # GIVEN botocore's documentation of CreateBatchInferenceJob
    model = botocore.session.get_session().get_service_model("personalize")
    text = re.sub(r"<[^>]+>", "", model.operation_model("CreateBatchInferenceJob").documentation)
    # THEN it names the recipes our table refuses for recommendations (affinity aside: they make segments)
    sentence = "You can't get batch recommendations with the Trending-Now or Next-Best-Action recipes."
    assert sentence in text
    refused = {
        r.name for r in RECIPES.values() if not r.supports_batch_inference and not r.supports_batch_segments
    }
    assert refused == {"aws-trending-now", "aws-next-best-action"}


@pytest.mark.parametrize(
    ("job", "path", "says"),
    [
        ({"solution": "missing"}, "batch_jobs[0].solution", "no solution named 'missing'"),
        ({"filter": "missing"}, "batch_jobs[0].filter", "no filter named 'missing'"),
        ({"input": "/nowhere/users.jsonl"}, "batch_jobs[0].input", "file not found"),
        ({"trigger": "a b"}, "batch_jobs[0].trigger", "String should match pattern"),
        ({"kind": "lists"}, "batch_jobs[0].kind", "Input should be 'recommendations' or 'segments'"),
    ],
)
def test_fails_when_a_batch_job_field_is_wrong(job, path, says):
    # GIVEN a job with one wrong field WHEN it is validated THEN that field is named
    (found,) = problems(example(**job))
    assert found.startswith(f"{path}: ") and says in found


def test_fails_when_cdk_synth_is_given_segments_on_a_non_affinity_recipe(tmp_path):
    # GIVEN the example with its recommendations job turned into segments, written to a file
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(example(kind="segments")))
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(path)}), "CDK_OUTDIR": str(tmp_path)}
    # WHEN app.py runs as `cdk synth` runs it
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN it exits 1 naming the field, without a traceback
    assert result.returncode == 1, result.stderr
    assert "batch_jobs[0].kind: segments need an affinity recipe" in result.stderr
    assert "Traceback" not in result.stderr
