"""The typed properties of each custom resource: written by the constructs, read by the handlers.

One frozen dataclass per resource type; `to_properties()` / `from_properties()` encode and
decode through `codec.py`, the only place values are turned into strings and back. Each
default and docstring is stated once, on its field; the config model reads them from here.
"""

from lambda_handlers.contract.auto_promotion import AutoPromotion
from lambda_handlers.contract.base import Contract, default_of, doc_of
from lambda_handlers.contract.batch_job import BATCH_KINDS, BatchJob, BatchKind
from lambda_handlers.contract.campaign import API_DEFAULTS as CAMPAIGN_CONFIG_API_DEFAULTS
from lambda_handlers.contract.campaign import Campaign, CampaignConfig, ItemExploration
from lambda_handlers.contract.codec import ContractError, Gate, Intrinsic, resolved
from lambda_handlers.contract.data_copy import DataCopy
from lambda_handlers.contract.dataset_import import IMPORT_MODES, DatasetImport, ImportMode
from lambda_handlers.contract.metric_attribution import Metric, MetricAttribution
from lambda_handlers.contract.resource_tags import ResourceTags
from lambda_handlers.contract.retention import StackDeleteRetention
from lambda_handlers.contract.solution import API_DEFAULT_AUTO_TRAINING, API_DEFAULT_SCHEDULE, Solution
from lambda_handlers.contract.training import TRAINING_MODES, SolutionVersion, TrainingMode, TrainingWait

__all__ = [
    "API_DEFAULT_AUTO_TRAINING",
    "API_DEFAULT_SCHEDULE",
    "BATCH_KINDS",
    "CAMPAIGN_CONFIG_API_DEFAULTS",
    "IMPORT_MODES",
    "TRAINING_MODES",
    "AutoPromotion",
    "BatchJob",
    "BatchKind",
    "Campaign",
    "CampaignConfig",
    "Contract",
    "ContractError",
    "DataCopy",
    "DatasetImport",
    "Gate",
    "ImportMode",
    "Intrinsic",
    "ItemExploration",
    "Metric",
    "MetricAttribution",
    "ResourceTags",
    "Solution",
    "SolutionVersion",
    "StackDeleteRetention",
    "TrainingMode",
    "TrainingWait",
    "default_of",
    "doc_of",
    "resolved",
]
