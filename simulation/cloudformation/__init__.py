"""Deploy simulator: plays CloudFormation and the aws-cdk-lib Provider framework in virtual time.

Public entry point: `DeploySimulator` (see `simulator.py`).
"""

from .provider import LambdaTimedOut, OperationStats
from .simulator import (
    DeleteResult,
    DeployFailure,
    DeployResult,
    DeploySimulator,
    DeployStats,
    StackEvent,
    generated_physical_id,
    load_template,
)

__all__ = [
    "DeleteResult",
    "DeployFailure",
    "DeployResult",
    "DeploySimulator",
    "DeployStats",
    "LambdaTimedOut",
    "OperationStats",
    "StackEvent",
    "generated_physical_id",
    "load_template",
]
