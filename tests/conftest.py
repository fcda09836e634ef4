"""Pytest setup shared by all tests: jsii quiet, fixtures of the fake Personalize."""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

pytest_plugins = ["tests.support.call_counts"]
