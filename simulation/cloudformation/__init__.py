"""Deploy simulator: plays CloudFormation and the aws-cdk-lib Provider framework in virtual time.

Public entry point: `DeploySimulator` (see `simulator.py`).
"""

from .simulator import (
    DeleteResult,
    DeployFailure,
    DeployResult,
    DeploySimulator,
    DeployStats,
    StackEvent,
    load_template,
)

__all__ = [
    "DeleteResult",
    "DeployFailure",
    "DeployResult",
    "DeploySimulator",
    "DeployStats",
    "StackEvent",
    "load_template",
]
