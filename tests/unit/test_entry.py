import pytest

from lambda_handlers import constants, deps, entry
from lambda_handlers.errors import DeployError
from tests.unit import CAMPAIGN_ARN
from tests.unit import event as make_event


def test_fails_when_the_resource_type_is_unknown(stub):
    with pytest.raises(DeployError, match="unknown ResourceType 'Custom::Nope'"):
        stub.on_event(make_event("Create", "Custom::Nope", {}))


def test_every_resource_type_has_a_module():
    assert set(entry.MODULES) == set(constants.RESOURCE_TYPES)


def test_fails_when_on_event_hits_an_api_error_with_one_line_leading_with_the_cause(stub):
    # GIVEN Personalize throttling in onEvent WHEN called THEN the operation fails, cause first
    stub.fail("delete_campaign", "ThrottlingException")
    with pytest.raises(DeployError) as failure:
        stub.on_event(make_event("Delete", constants.CAMPAIGN_TYPE, {}, physical_id=CAMPAIGN_ARN))
    assert failure.value.message == "ThrottlingException from DeleteCampaign: ThrottlingException (stub)"


def test_fails_when_is_complete_hits_a_terminal_api_error(stub):
    stub.fail("describe_campaign", "AccessDeniedException")
    raw = make_event("Delete", constants.CAMPAIGN_TYPE, {}, physical_id=CAMPAIGN_ARN)
    with pytest.raises(DeployError, match=r"^AccessDeniedException from DescribeCampaign"):
        stub.is_complete(raw)


def test_fails_when_a_property_cannot_be_decoded_naming_resource_and_property(stub):
    raw = make_event(
        "Create",
        constants.CAMPAIGN_TYPE,
        {"Name": "c", "SolutionVersionArn": "arn", "MinProvisionedTPS": "x"},
    )
    with pytest.raises(DeployError) as failure:
        stub.on_event(raw)
    assert failure.value.message == (
        "Resource (Custom::PersonalizeCampaign): property MinProvisionedTPS must be an integer, not 'x'"
    )


def test_lambda_entry_points_build_deps_lazily(stub, monkeypatch):
    # GIVEN the module imported WHEN nothing was invoked THEN no client exists; on invoke it is built
    built = []

    def fake_default_deps():
        built.append(True)
        return stub.deps

    monkeypatch.setattr(entry, "default_deps", fake_default_deps)
    for _ in range(2):  # an adopted campaign's release looks for the version it served (none recorded)
        stub.answer("list_tags_for_resource", {"tags": []}, {"resourceArn": CAMPAIGN_ARN})
    raw = make_event("Delete", constants.CAMPAIGN_TYPE, {}, physical_id=f"adopted:{CAMPAIGN_ARN}")
    assert entry.on_event(raw, None)["PhysicalResourceId"] == f"adopted:{CAMPAIGN_ARN}"
    assert entry.is_complete(raw, None) == {"IsComplete": True}
    assert len(built) == 2


def test_default_deps_builds_bounded_clients_and_one_without_retries_for_creates(monkeypatch):
    # GIVEN the Lambda's environment WHEN its deps are built (twice)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    deps.default_deps.cache_clear()
    try:
        first = deps.default_deps()
        # THEN once, with standard retries and short timeouts; Create* calls get a single attempt
        assert first is deps.default_deps()
        config = first.personalize.meta.config
        assert config.retries == {"mode": "standard", "total_max_attempts": deps.MAX_ATTEMPTS}  # type: ignore[attr-defined]
        assert (config.connect_timeout, config.read_timeout) == (deps.CONNECT_TIMEOUT, deps.READ_TIMEOUT)  # type: ignore[attr-defined]
        once = first.creates.meta.config
        assert once.retries == {"mode": "standard", "total_max_attempts": 1}  # type: ignore[attr-defined]
        # AND the worst case of one call fits in the Lambda timeout with margin (deps' docstring)
        worst = deps.MAX_ATTEMPTS * (deps.CONNECT_TIMEOUT + deps.READ_TIMEOUT) + 15 + 4 * 5
        assert worst <= constants.HANDLER_TIMEOUT_SECONDS - 20
    finally:
        deps.default_deps.cache_clear()
