"""The config's import settings: `datasets.<type>.import_mode`, `datasets.import_max_wait_minutes`."""

from __future__ import annotations

import pytest

from lambda_handlers import contract
from stacks.config_model import ConfigError
from stacks.config_model.loader import validate
from stacks.wait_chain import link_budgets
from tests.support.synth import template, variant, write_config

SOURCE = "test-config.yaml"


def test_fails_when_the_import_mode_or_the_wait_is_not_one_the_api_or_the_chain_takes():
    # GIVEN an import mode Personalize does not know and a wait of 0 minutes
    raw = variant()
    raw["datasets"]["interactions"]["import_mode"] = "APPEND"
    raw["datasets"]["import_max_wait_minutes"] = 0
    # WHEN the config is validated THEN one message names both fields and what they take
    with pytest.raises(ConfigError) as caught:
        validate(raw, SOURCE)
    message = str(caught.value)
    assert "datasets.interactions.import_mode: Input should be 'FULL' or 'INCREMENTAL'" in message
    assert "datasets.import_max_wait_minutes: Input should be greater than or equal to 1" in message


def test_the_import_mode_and_the_wait_reach_every_link_of_the_import():
    # GIVEN interactions imported INCREMENTAL, waited for up to 5 hours
    raw = variant()
    raw["datasets"]["interactions"]["import_mode"] = "INCREMENTAL"
    raw["datasets"]["import_max_wait_minutes"] = 300
    resources = template(write_config(raw))["Resources"]
    # WHEN the import chain is read as its handler reads it
    links = [
        contract.DatasetImport.from_properties(r["Properties"])
        for lid, r in resources.items()
        if lid.startswith("InteractionsImport")
    ]
    # THEN link 0 and every wait link carry the mode; the budgets are the chain's for 300 minutes
    assert {link.import_mode for link in links} == {"INCREMENTAL"}
    assert [link.link_seconds for link in links] == link_budgets(300)
    assert [link.link_index for link in links] == list(range(len(links)))
    assert [link.is_last for link in links] == [False] * (len(links) - 1) + [True]
    # AND items keep the default mode, FULL, with the same wait (one setting for every dataset)
    items = contract.DatasetImport.from_properties(resources["ItemsImport"]["Properties"])
    assert items.import_mode == "FULL" and items.max_wait_minutes == 300
