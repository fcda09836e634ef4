"""Print the config's JSON Schema (config/config.schema.json) for editors: `make schema`."""

import json

from stacks.config_model.model import AppConfig


def config_json_schema() -> str:
    schema = AppConfig.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "personalize-cdk deployment config"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(config_json_schema(), end="")
