"""A fake Amazon Personalize, split as moto splits a service.

- `store`: resources, ARNs, statuses computed from the virtual clock, listing, settling, snapshots;
- `faults`: what a test makes go wrong next (failures, lost answers, throttling, server errors);
- `validation`: requests and answers checked against botocore's Personalize model;
- one module per resource family, each with an explicit `OPERATIONS` table (`operations` joins them):
  `datasets`, `imports`, `solutions`, `versions`, `campaigns`, `filters`, `recipes`, `tags`,
  `batch`, `metric_attribution`;
- `fake`: `FakePersonalize`, the facade (`call` and the test helpers).
"""

from simulation.personalize.batch import ObjectStore
from simulation.personalize.errors import AnswerLost, InvalidAnswerError, PersonalizeError
from simulation.personalize.fake import FakePersonalize
from simulation.personalize.imports import s3_reader
from simulation.personalize.store import (
    ACCOUNT,
    ACTIVE,
    CREATING,
    DEFAULT_METRICS,
    DELETE_IN_PROGRESS,
    DELETE_PENDING,
    FAILED,
    IN_PROGRESS,
    JSON,
    MUTATING_PREFIXES,
    PENDING,
    REGION,
    STOPPED,
    STOPPING,
    Call,
    Durations,
    Limits,
)

__all__ = [
    "ACCOUNT",
    "ACTIVE",
    "CREATING",
    "DEFAULT_METRICS",
    "DELETE_IN_PROGRESS",
    "DELETE_PENDING",
    "FAILED",
    "IN_PROGRESS",
    "JSON",
    "MUTATING_PREFIXES",
    "PENDING",
    "REGION",
    "STOPPED",
    "STOPPING",
    "AnswerLost",
    "Call",
    "Durations",
    "FakePersonalize",
    "InvalidAnswerError",
    "Limits",
    "ObjectStore",
    "PersonalizeError",
    "s3_reader",
]
