"""The IAM coverage check itself: it sees the handlers' calls and refuses what the policy lacks."""

from __future__ import annotations

import copy
from typing import Any

from tests.scenarios.iam_check import Recorder, handler_statements
from tests.scenarios.world import CAMPAIGN_NAME, World, arn
from tests.support.iam_policy import Statement, denial
from tests.support.iam_reference import ApiCall, needs


def _without_statement(template: dict[str, Any], sid: str) -> dict[str, Any]:
    changed = copy.deepcopy(template)
    for res in changed["Resources"].values():
        if res["Type"] == "AWS::IAM::Policy":
            document = res["Properties"]["PolicyDocument"]
            document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]
    return changed


def _denials(call: ApiCall, template: dict[str, Any]) -> list[str]:
    granted = handler_statements(template)
    return [reason for need in needs(call) if (reason := denial(need, granted)) is not None]


def test_every_call_of_a_first_deploy_is_recorded_and_granted(
    world: World, default_template: dict[str, Any], iam_coverage: Recorder
) -> None:
    # GIVEN the first deploy of the default config
    assert world.deploy(default_template).status == "CREATE_COMPLETE"
    seen = {(r.call.service, r.call.operation) for r in iam_coverage.requests}
    # THEN the calls that create, train and copy data were seen, from both clients and from S3
    assert {
        ("personalize", "CreateSolution"),
        ("personalize", "CreateSolutionVersion"),
        ("personalize", "CreateCampaign"),
        ("personalize", "ListSolutionVersions"),
        ("s3", "CopyObject"),
    } <= seen
    # AND the synthesized handler role grants each of them
    assert iam_coverage.denials() == []


def test_fails_when_the_resourceless_actions_lose_their_star(default_template: dict[str, Any]) -> None:
    # GIVEN the handler policy without the statement on `*`
    template = _without_statement(default_template, "ListWithoutResourceType")
    solution = arn("solution", "immersion-day-news-user-personalization")
    # WHEN ListSolutionVersions is evaluated (the reference gives it no resource type)
    reasons = _denials(ApiCall("personalize", "ListSolutionVersions", {"solutionArn": solution}), template)
    # THEN it is denied, as on a real account: a solution ARN does not stand in for `*`
    assert len(reasons) == 1 and reasons[0].startswith(
        "personalize:ListSolutionVersions on * (*) is not granted"
    )


def test_fails_when_a_campaign_outside_the_grant_is_created(default_template: dict[str, Any]) -> None:
    # GIVEN the default handler policy, and a version of the stack's own solution
    version = arn("solution", "immersion-day-news-user-personalization/1")
    # WHEN CreateCampaign names a campaign outside `campaign/{project}-*`
    call = ApiCall("personalize", "CreateCampaign", {"name": "someone-elses", "solutionVersionArn": version})
    reasons = _denials(call, default_template)
    # THEN the denial names the campaign and the statement that should cover it
    assert len(reasons) == 1
    assert "campaign/someone-elses (campaign*) is not granted" in reasons[0]
    assert "statement ServeCampaigns" in reasons[0]
    # AND the project's own campaign is granted
    own = ApiCall("personalize", "CreateCampaign", {"name": CAMPAIGN_NAME, "solutionVersionArn": version})
    assert _denials(own, default_template) == []


def test_fails_when_a_campaign_deploys_a_version_of_another_solution(
    default_template: dict[str, Any],
) -> None:
    # GIVEN the default handler policy
    # WHEN CreateCampaign names the project's campaign but a version of someone else's solution
    other = arn("solution", "someone-elses/1")
    reasons = _denials(
        ApiCall("personalize", "CreateCampaign", {"name": CAMPAIGN_NAME, "solutionVersionArn": other}),
        default_template,
    )
    # THEN it is denied on the solution the reference requires besides the campaign
    assert len(reasons) == 1 and "solution/someone-elses/1 (solution*) is not granted" in reasons[0]


def test_fails_when_a_passed_role_is_granted_to_another_service_only() -> None:
    # GIVEN an import job request that passes the data role to Personalize
    role = "arn:aws:iam::111111111111:role/data-access"
    call = ApiCall(
        "personalize",
        "CreateDatasetImportJob",
        {"jobName": "j1", "datasetArn": arn("dataset", "news/INTERACTIONS"), "roleArn": role},
    )
    found = needs(call)
    # THEN IAM authorizes both required types, and PassRole to Personalize on the role
    assert [(n.action, n.resource_type, n.arn) for n in found] == [
        ("personalize:CreateDatasetImportJob", "dataset*", arn("dataset", "news/INTERACTIONS")),
        ("personalize:CreateDatasetImportJob", "datasetImportJob*", arn("dataset-import-job", "j1")),
        ("iam:PassRole", "role*", role),
    ]
    pass_role = found[-1]

    def granted(service: str) -> list[Statement]:
        condition = {"StringEquals": {"iam:PassedToService": f"{service}.amazonaws.com"}}
        return [Statement("PassDataRole", "Allow", ("iam:PassRole",), (role,), condition)]

    # AND PassRole conditioned on Personalize is granted; conditioned on another service it is not
    assert denial(pass_role, granted("personalize")) is None
    reason = denial(pass_role, granted("lambda"))
    assert reason is not None and reason.startswith(f"iam:PassRole on {role} (role*) is not granted")
