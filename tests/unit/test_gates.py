"""Gates in the contract (one encoding; plain numbers from older templates still decode) and the
pure champion comparison of `metrics.py`."""

import pytest

from lambda_handlers import contract, metrics
from lambda_handlers.contract import ContractError, Gate
from lambda_handlers.errors import MAX_MESSAGE
from ops.status.collect import NOTEBOOK_METRICS

NDCG10 = "normalized_discounted_cumulative_gain_at_10"


def gates_of(text: str) -> dict[str, Gate]:
    return dict(contract.SolutionVersion.from_properties({"SolutionArn": "a", "Gates": text}).gates)


def encoded(gates: dict[str, Gate]) -> str:
    return contract.SolutionVersion(solution_arn="a", gates=gates).to_properties()["Gates"]


def test_a_deployed_template_with_plain_number_gates_still_decodes_as_minimums():
    # GIVEN the Gates property a template written before max_drop carries
    # WHEN decoded THEN each number is a minimum and no drop is checked
    assert gates_of(f'{{"coverage": 0.2, "{NDCG10}": 0.05}}') == {
        "coverage": Gate(minimum=0.2),
        NDCG10: Gate(minimum=0.05),
    }


def test_a_minimum_only_gate_encodes_as_before_so_templates_do_not_change():
    # GIVEN gates without max_drop WHEN encoded THEN the text is what older templates hold
    assert encoded({NDCG10: Gate(minimum=0.05)}) == f'{{"{NDCG10}": 0.05}}'


def test_a_gate_with_max_drop_travels_as_an_object_and_back():
    # GIVEN a gate with both checks, and one with max_drop only
    gates = {NDCG10: Gate(minimum=0.05, max_drop=0.01), "coverage": Gate(max_drop=0.1)}
    # WHEN encoded THEN each is one sorted JSON object in the config's words
    text = encoded(gates)
    assert text == (f'{{"coverage": {{"max_drop": 0.1}}, "{NDCG10}": {{"max_drop": 0.01, "min": 0.05}}}}')
    # AND decoded THEN the same gates
    assert gates_of(text) == gates


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"coverage": {"min": 0.1, "maxdrop": 0.1}}', "gate coverage has unknown keys"),
        ('{"coverage": {"max_drop": "a lot"}}', "gate coverage max_drop must be a number"),
        ('{"coverage": true}', "gate coverage must be a number"),
        ("[0.1]", "must be a JSON object of metric name to minimum number or {min, max_drop}"),
    ],
)
def test_fails_when_a_gates_property_cannot_be_decoded(text: str, message: str):
    # GIVEN a malformed Gates property WHEN decoded THEN the error names the property and the gate
    with pytest.raises(ContractError, match=f"property Gates {message}".replace("{", r"\{")):
        gates_of(text)


def comparison(
    challenger: float | None, champion: float | None, max_drop: float = 0.01
) -> metrics.Comparison:
    challenger_values = {} if challenger is None else {NDCG10: challenger}
    champion_values = {} if champion is None else {NDCG10: champion}
    (only,) = metrics.comparisons(challenger_values, champion_values, {NDCG10: Gate(max_drop=max_drop)})
    return only


def test_fails_when_the_challenger_drops_more_than_max_drop():
    # GIVEN a challenger 0.02 below its champion, max_drop 0.01 WHEN compared THEN it fails
    result = comparison(0.18, 0.20)
    assert result.drop == pytest.approx(0.02)
    assert not result.holds
    assert str(result) == f"{NDCG10} = 0.1800 is 0.0200 below the serving version's 0.2000 (max_drop 0.01)"


@pytest.mark.parametrize(("challenger", "champion"), [(0.195, 0.20), (0.19, 0.20), (0.25, 0.20)])
def test_a_drop_up_to_max_drop_holds(challenger: float, champion: float):
    # GIVEN 0.005 below, exactly max_drop below (0.2 - 0.19 is 0.010000000000000009 in floats), above
    # WHEN compared THEN it holds
    assert comparison(challenger, champion).holds


def test_fails_when_the_challenger_does_not_report_the_metric():
    # GIVEN a challenger without the metric its champion reports WHEN compared THEN it fails as missing
    result = comparison(None, 0.2)
    assert not result.holds
    assert str(result) == f"{NDCG10} = missing (the serving version's 0.2000)"


def test_a_champion_without_the_metric_cannot_be_beaten():
    # GIVEN a champion that never reported the metric WHEN compared THEN nothing fails
    assert comparison(0.1, None).holds


def test_min_only_and_drop_only_gates_are_checked_by_their_own_function():
    # GIVEN one gate of each kind
    gates = {"coverage": Gate(minimum=0.5), NDCG10: Gate(max_drop=0.01)}
    values = {"coverage": 0.4, NDCG10: 0.1}
    # WHEN checked THEN min failures name only the min gate, comparisons only the drop gate
    assert [f.metric for f in metrics.failed_gates(values, gates)] == ["coverage"]
    assert [c.metric for c in metrics.comparisons(values, {NDCG10: 0.2}, gates)] == [NDCG10]


def test_the_drop_message_names_solution_both_versions_and_values():
    failed = [comparison(0.18, 0.20)]
    assert metrics.drop_message("up", "arn:v2", "arn:v1", failed) == (
        f"gate failed for solution up: {NDCG10} = 0.1800 is 0.0200 below the serving version's 0.2000 "
        "(max_drop 0.01): challenger arn:v2 champion arn:v1"
    )


def test_a_second_failed_drop_is_named_with_its_drop():
    # GIVEN two metrics below the champion
    gates = {NDCG10: Gate(max_drop=0.01), "coverage": Gate(max_drop=0.01)}
    rows = metrics.comparisons({NDCG10: 0.1, "coverage": 0.1}, {NDCG10: 0.2, "coverage": 0.15}, gates)
    # WHEN the message is built THEN the second is named by its drop
    message = metrics.drop_message("up", "arn:v2", "arn:v1", rows)
    assert "; also normalized_discounted_cumulative_gain_at_10 0.1000 below: challenger arn:v2" in message


def test_several_failed_drops_keep_both_arns_within_the_failure_reason_limit():
    # GIVEN every notebook metric 0.05 below a champion, and ARNs as long as Personalize's
    names = sorted(NOTEBOOK_METRICS)
    rows = metrics.comparisons(
        {n: 0.1 for n in names}, {n: 0.15 for n in names}, {n: Gate(max_drop=0.01) for n in names}
    )
    arn = "arn:aws:personalize:us-east-1:111111111111:solution/" + "s" * 63 + "/0123abcd"
    # WHEN the message is built THEN the first is in full, the rest counted, and it fits
    message = metrics.drop_message("up", arn, arn.replace("0123", "4567"), rows)
    assert f"{names[0]} = 0.1000 is 0.0500 below" in message
    assert f"; {len(names) - 1} more max_drop gates fail" in message
    assert len(message) <= MAX_MESSAGE
    assert message.endswith(f"challenger {arn} champion {arn.replace('0123', '4567')}")
