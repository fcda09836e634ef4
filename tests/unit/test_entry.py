import pytest

from lambda_handlers import constants, deps, entry
from lambda_handlers.errors import DeployError
from tests.unit import CAMPAIGN_ARN
from tests.unit import event as make_event


def test_fails_when_the_resource_type_is_unknown(h):
    with pytest.raises(DeployError, match="unknown ResourceType 'Custom::Nope'"):
        h.on_event(make_event("Create", "Custom::Nope", {}))


def test_every_resource_type_has_a_module():
    assert set(entry.MODULES) == set(constants.RESOURCE_TYPES)


def test_fails_when_on_event_hits_an_api_error_with_one_line_leading_with_the_cause(h):
    # GIVEN Personalize throttling in onEvent WHEN called THEN the operation fails, cause first
    h.fail("delete_campaign", "ThrottlingException", {"campaignArn": CAMPAIGN_ARN})
    with pytest.raises(DeployError) as failure:
        h.on_event(make_event("Delete", constants.CAMPAIGN_TYPE, {}, physical_id=CAMPAIGN_ARN))
    assert failure.value.message == "ThrottlingException from DeleteCampaign: ThrottlingException (stub)"


def test_fails_when_is_complete_hits_a_terminal_api_error(h):
    h.fail("describe_campaign", "AccessDeniedException", {"campaignArn": CAMPAIGN_ARN})
    raw = make_event("Delete", constants.CAMPAIGN_TYPE, {}, physical_id=CAMPAIGN_ARN)
    with pytest.raises(DeployError, match=r"^AccessDeniedException from DescribeCampaign"):
        h.is_complete(raw)


def test_lambda_entry_points_build_deps_lazily(h, monkeypatch):
    # GIVEN the module imported WHEN nothing was invoked THEN no client exists; on invoke it is built
    built = []

    def fake_default_deps():
        built.append(True)
        return h.deps

    monkeypatch.setattr(entry, "default_deps", fake_default_deps)
    raw = make_event("Delete", constants.CAMPAIGN_TYPE, {}, physical_id=f"adopted:{CAMPAIGN_ARN}")
    assert entry.on_event(raw, None)["PhysicalResourceId"] == f"adopted:{CAMPAIGN_ARN}"
    assert entry.is_complete(raw, None) == {"IsComplete": True}
    assert len(built) == 2


def test_default_deps_builds_one_standard_retry_client(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    deps.default_deps.cache_clear()
    try:
        first = deps.default_deps()
        assert first is deps.default_deps()
        assert first.personalize.meta.config.retries == {"mode": "standard", "total_max_attempts": 8}  # type: ignore[attr-defined]
    finally:
        deps.default_deps.cache_clear()
