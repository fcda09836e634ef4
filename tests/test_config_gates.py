"""`training.gates` in the config: plain numbers mean `min`; objects add `max_drop`."""

from typing import Any

import pytest

from lambda_handlers.contract import Gate
from stacks.config_model import ConfigError
from stacks.config_model.loader import validate
from tests.support.synth import variant

SOURCE = "test-config.yaml"
NDCG10 = "normalized_discounted_cumulative_gain_at_10"


def with_gates(gates: dict[str, Any]) -> dict[str, Any]:
    raw = variant()
    raw["solutions"][0]["training"] = {"gates": gates}
    return raw


def refused(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        validate(raw, SOURCE)
    return str(caught.value)


def test_a_plain_number_keeps_meaning_min():
    # GIVEN a gate written as a number WHEN loaded THEN it is a minimum, with no champion comparison
    training = validate(with_gates({NDCG10: 0.05}), SOURCE).solutions[0].training
    assert training.gate_specs == {NDCG10: Gate(minimum=0.05)}
    assert not training.compares_with_champion


def test_a_gate_object_carries_min_and_max_drop():
    # GIVEN {min, max_drop} and a max_drop-only gate WHEN loaded THEN both reach the contract as written
    training = (
        validate(with_gates({NDCG10: {"min": 0.05, "max_drop": 0.01}, "coverage": {"max_drop": 0}}), SOURCE)
        .solutions[0]
        .training
    )
    assert training.gate_specs == {
        NDCG10: Gate(minimum=0.05, max_drop=0.01),
        "coverage": Gate(max_drop=0.0),
    }
    assert training.compares_with_champion


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        (
            {"max_drop": -0.01},
            f"solutions[0].training.gates.{NDCG10}.max_drop: Input should be greater than or equal to 0",
        ),
        ({}, f"solutions[0].training.gates.{NDCG10}: set min, max_drop or both (a plain number means min)"),
        ({"minimum": 0.1}, f"solutions[0].training.gates.{NDCG10}.minimum: unknown key; check its spelling"),
        ("high", f"solutions[0].training.gates.{NDCG10}: Input should be a valid number"),
    ],
)
def test_fails_when_a_gate_is_malformed_naming_the_field(gate: Any, expected: str):
    # GIVEN a malformed gate WHEN validated THEN the message names the gate's field path
    assert expected in refused(with_gates({NDCG10: gate}))


def test_fails_when_a_max_drop_gate_names_a_metric_the_recipe_does_not_report():
    # GIVEN a relative gate on average_rewards_at_k without an optimization objective
    # WHEN validated THEN the recipe check of plain gates applies to it too
    message = refused(with_gates({"average_rewards_at_k": {"max_drop": 0.01}}))
    assert (
        "solutions[0].training.gates.average_rewards_at_k: recipe aws-user-personalization does not"
        in message
    )
