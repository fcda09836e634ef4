"""ops/rehearse's pure parts: lanes from stack events, the gate checks from the links' metric log
lines, a failure reason without the framework's wrapping."""

from __future__ import annotations

from typing import Any

from lambda_handlers import metrics
from ops.rehearse.play import Rehearsal, gate_checks
from ops.rehearse.timeline import Segment, cause, lanes, marks
from simulation.cloudformation import DeployResult, StackEvent
from simulation.personalize import DEFAULT_METRICS, Call, Durations
from tests.support import synth

STACK = "S"
T0 = 1000.0
VERSION_ARN = (
    "arn:aws:personalize:us-east-1:111111111111:solution/immersion-day-news-user-personalization/abc"
)
NDCG10 = "normalized_discounted_cumulative_gain_at_10"


def _rehearsal(events: list[StackEvent], template: dict[str, Any]) -> Rehearsal:
    return Rehearsal(
        stack=STACK,
        template=template,
        start=T0,
        result=DeployResult(events[-1].status, events=events),
        calls=[],
        gates=[],
        moments=[],
        durations=Durations(),
    )


def _event(minute: float, lid: str, status: str, reason: str = "") -> StackEvent:
    return StackEvent(
        T0 + minute * 60, lid, status.split("_", maxsplit=1)[0] if lid != STACK else "STACK", status, reason
    )


def test_lanes_show_the_forward_operation_then_the_rollbacks() -> None:
    # GIVEN a version resource whose update fails at minute 35, rolled back, then cleaned up,
    # a campaign cancelled meanwhile, and a role that took no time
    template = {
        "Resources": {
            "Version": {"Type": "Custom::PersonalizeSolutionVersion"},
            "Campaign": {"Type": "Custom::PersonalizeCampaign"},
            "Role": {"Type": "AWS::IAM::Role"},
        }
    }
    events = [
        _event(0, STACK, "UPDATE_IN_PROGRESS"),
        _event(0, "Role", "UPDATE_IN_PROGRESS"),
        _event(0, "Role", "UPDATE_COMPLETE"),
        _event(0, "Version", "UPDATE_IN_PROGRESS"),
        _event(1, "Campaign", "UPDATE_IN_PROGRESS"),
        _event(35, "Version", "UPDATE_FAILED", "gate failed"),
        _event(35, "Campaign", "UPDATE_FAILED", "Resource update cancelled"),
        _event(35, STACK, "UPDATE_ROLLBACK_IN_PROGRESS"),
        _event(35, "Version", "UPDATE_IN_PROGRESS"),
        _event(37, "Version", "UPDATE_COMPLETE"),
        _event(37, "Version", "DELETE_IN_PROGRESS"),
        _event(37, "Version", "DELETE_COMPLETE"),
        _event(37, STACK, "UPDATE_ROLLBACK_COMPLETE"),
    ]
    # WHEN the lanes are drawn
    drawn, others = lanes(_rehearsal(events, template))
    # THEN the version shows its failed update, its rollback and its delete; the campaign cancelled
    by_id = {lane.logical_id: lane for lane in drawn}
    assert by_id["Version"].segments == [
        Segment(0, 2100, "UPDATE", "FAILED", rollback=False),
        Segment(2100, 2220, "UPDATE", "COMPLETE", rollback=True),
        Segment(2220, 2220, "DELETE", "COMPLETE", rollback=True),
    ]
    assert by_id["Campaign"].segments == [Segment(60, 2100, "UPDATE", "CANCELLED", rollback=False)]
    # AND the role is only counted
    assert (list(by_id), others) == (["Version", "Campaign"], 1)


def test_a_failure_reason_loses_the_frameworks_wrapping() -> None:
    # GIVEN the reason CloudFormation shows for a failed custom resource
    reason = (
        "Received response status [FAILED] from custom resource. Message returned: Error: gate failed "
        "for solution up: ndcg = 0.01 < 0.05 (arn:x)\n\nLogs: /aws/lambda/IsComplete\n\n (RequestId: r)"
    )
    # WHEN shortened THEN only the handler's message is left; any other reason stays as it is
    assert cause(reason) == "gate failed for solution up: ndcg = 0.01 < 0.05 (arn:x)"
    assert cause("Resource creation cancelled") == "Resource creation cancelled"


def test_gate_checks_read_the_first_metric_line_of_each_version() -> None:
    # GIVEN the default template (NDCG@10 ≥ 0.05 on user-personalization) and two checks of one
    # version logged by two links, the first under the gate
    template = synth.template()
    low = {**DEFAULT_METRICS, NDCG10: 0.01}
    logs = [
        "hand-over: a link's plain log line",
        metrics.emf_line("user-personalization", VERSION_ARN, low, T0 + 60),
        metrics.emf_line("user-personalization", VERSION_ARN, DEFAULT_METRICS, T0 + 120),
    ]
    # WHEN read
    (check,) = gate_checks(template, logs)
    # THEN the first check counts, with its time, values and the failing gate
    assert (check.time, check.solution, check.version_arn) == (T0 + 60, "user-personalization", VERSION_ARN)
    assert check.values[NDCG10] == 0.01
    assert [(f.metric, f.minimum) for f in check.failures] == [(NDCG10, 0.05)]


def test_moments_of_the_timeline_keep_the_gate_check_before_what_it_allows() -> None:
    # GIVEN a gate check and the stack's completion at the same second
    template = synth.template()
    events = [_event(0, STACK, "CREATE_IN_PROGRESS"), _event(46, STACK, "CREATE_COMPLETE")]
    rehearsal = _rehearsal(events, template)
    rehearsal.gates = gate_checks(
        template, [metrics.emf_line("user-personalization", VERSION_ARN, DEFAULT_METRICS, T0 + 46 * 60)]
    )
    # WHEN the moments are listed THEN the gate check comes before the stack's news
    texts = [mark.text for mark in marks(rehearsal, [])]
    assert texts[0] == "stack CREATE_IN_PROGRESS"
    assert texts[1].startswith("gate check user-personalization abc: ")
    assert "holds" in texts[1] and texts[2] == "stack CREATE_COMPLETE"


def test_links_started_while_training_take_over_and_the_rest_complete_at_once() -> None:
    # GIVEN user-personalization trained from minute 12 to 162 (ACTIVE at its gate check): the
    # version resource and two links each waited out their budget, the last two found it ACTIVE
    template = synth.template()
    chain = [
        "TrainingUserPersonalizationVersion",
        *(f"TrainingUserPersonalizationWait{i}" for i in range(1, 5)),
    ]
    spans = [(12, 66), (66, 122), (122, 162), (162, 162), (162, 162)]
    events = [_event(0, STACK, "CREATE_IN_PROGRESS")]
    for lid, (start, end) in zip(chain, spans, strict=True):
        events += [_event(start, lid, "CREATE_IN_PROGRESS"), _event(end, lid, "CREATE_COMPLETE")]
    events.append(_event(172, STACK, "CREATE_COMPLETE"))
    rehearsal = _rehearsal(sorted(events, key=lambda e: e.time), template)
    solution = VERSION_ARN.rsplit("/", 1)[0]
    rehearsal.calls = [
        Call("CreateSolutionVersion", {"solutionArn": solution, "name": "v1"}, T0 + 12 * 60, "ok")
    ]
    check = metrics.emf_line("user-personalization", VERSION_ARN, DEFAULT_METRICS, T0 + 162 * 60)
    rehearsal.gates = gate_checks(template, [check])
    # WHEN the moments are listed
    drawn, _ = lanes(rehearsal)
    texts = [mark.text for mark in marks(rehearsal, drawn)]
    # THEN the first two links take over while the version trains; the last two complete at once
    assert "TrainingUserPersonalizationWait1 takes over the wait (54 min into training)" in texts
    assert "TrainingUserPersonalizationWait2 takes over the wait (110 min into training)" in texts
    assert not any("Wait3 takes over" in text or "Wait4 takes over" in text for text in texts)
    at_once = (
        "2 wait links of immersion-day-news-user-personalization complete at once: their version is ACTIVE"
    )
    gate = next(i for i, text in enumerate(texts) if text.startswith("gate check user-personalization"))
    assert texts[gate + 1] == at_once  # AND right after the gate check that found it ACTIVE
