"""config/config.schema.json (the editors' schema) is generated from the config model."""

import json

import jsonschema
import yaml

from stacks.config_model.json_schema import config_json_schema
from tests.support.synth import DEFAULT_CONFIG, REPO

SCHEMA_FILE = REPO / "config" / "config.schema.json"


def test_the_committed_schema_is_generated_from_the_model():
    # GIVEN the committed schema file and the model's schema
    # THEN they are identical
    assert SCHEMA_FILE.read_text(encoding="utf-8") == config_json_schema(), (
        "config/config.schema.json is out of date: run `make schema`"
    )


def test_the_default_config_validates_against_the_schema():
    # GIVEN the schema (a valid draft 2020-12 schema) and the default config
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    # WHEN the config is validated as an editor would
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(raw)]
    # THEN there is no error
    assert errors == []


def test_fails_when_an_editor_sees_an_unknown_key():
    # GIVEN the default config with a misspelt top-level key
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["event_traker"] = True
    # WHEN validated against the schema
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(raw)]
    # THEN the editor is told, as the loader would
    assert any("event_traker" in message for message in errors), errors
