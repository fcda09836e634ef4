"""The deployment config: one YAML file per deployment, validated before any stack is built."""

from stacks.config_model.errors import ConfigError, Problem
from stacks.config_model.loader import load_config
from stacks.config_model.model import AppConfig

__all__ = ["AppConfig", "ConfigError", "Problem", "load_config"]
