"""Typed model of the deployment config (pydantic v2).

Field names are the public interface of the YAML file; every default is documented on its
field. Checks that involve one field live here; checks across fields live in `rules.py`.
"""

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from lambda_handlers import contract
from lambda_handlers.constants import OWN_TAG_PREFIX
from stacks.config_model.metric_attribution import MetricAttribution
from stacks.config_model.recipes import METRIC_NAMES, RECIPES, recipe_named

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$")
NAME_MAX = 63
TAG_PATTERN = re.compile(r"^[\w\s.:/=+\-@]*$")
SCHEDULE_PATTERN = re.compile(r"^rate\((\d+) days?\)$")

Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN.pattern)]
Account = Annotated[str, Field(pattern=r"^\d{12}$")]
Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")]


def _as_in(owner: type[Any], name: str) -> Any:
    """A field whose default and description are the resource contract's (stated once, there)."""
    default = contract.default_of(owner, name)
    description = contract.doc_of(owner, name)
    if isinstance(default, dict):
        return Field(default_factory=dict, description=description)
    return Field(default=default, description=description)


class _Strict(BaseModel):
    # Unknown keys are typos: refuse them instead of silently ignoring a setting.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Env(_Strict):
    """Target account and region; omitted = an environment-agnostic stack."""

    account: Account
    region: Region


class DatasetGroup(_Strict):
    """Create a group named `{project}-{name}`, or use an existing one by `arn` (create none)."""

    name: Name | None = None
    arn: (
        Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:personalize:[a-z0-9-]+:\d{12}:dataset-group/.+$")]
        | None
    ) = None
    kms_key_arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/.+$")] | None = None
    """KMS key Personalize encrypts the group with (only for a group we create); null = AWS owned."""


class Dataset(_Strict):
    """A dataset: its Avro schema file and its CSV data (a local file we upload, or s3://)."""

    schema_: Annotated[Path, Field(alias="schema")]
    data: str
    import_mode: Literal["FULL", "INCREMENTAL"] = _as_in(contract.DatasetImport, "import_mode")

    @property
    def data_is_s3(self) -> bool:
        return self.data.startswith("s3://")


class Datasets(_Strict):
    interactions: Dataset | None = None
    items: Dataset | None = None
    users: Dataset | None = None
    keep_imports: Annotated[int, Field(strict=True, ge=2, le=100)] = _as_in(contract.DataCopy, "keep")
    import_max_wait_minutes: Annotated[int, Field(strict=True, ge=1, le=720)] = _as_in(
        contract.DatasetImport, "max_wait_minutes"
    )

    def declared(self) -> dict[str, Dataset]:
        """Dataset type (Personalize's word) → dataset, in a fixed order."""
        pairs = (("Interactions", self.interactions), ("Items", self.items), ("Users", self.users))
        return {kind: ds for kind, ds in pairs if ds is not None}


class AutoTraining(_Strict):
    schedule: str = contract.API_DEFAULT_SCHEDULE
    """How often Personalize retrains by itself: `rate(N days)`, N from 1 to 30."""
    promote: Literal["gated", "off"] = "off"
    """gated: a daily checker moves the solution's campaigns to the newest automatic version that
    passes `training.gates` (and `max_drop` against the version they serve); off (default): the
    automatic versions serve nobody, only a deploy moves a campaign."""
    hold_alarm_after: Annotated[int, Field(strict=True, ge=1, le=100)] = 3
    """With promote gated: the alarm fires when this many automatic versions in a row were held
    (default 3: three periods without a fresh model)."""

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        match = SCHEDULE_PATTERN.match(value)
        if not match or not 1 <= int(match.group(1)) <= 30:
            raise ValueError(
                f"must be 'rate(N days)' with N from 1 to 30, e.g. '{contract.API_DEFAULT_SCHEDULE}'"
            )
        return value


class Gate(_Strict):
    """A gate in full: a floor, a largest drop below the serving version, or both."""

    # An editor refuses `{}` as the model does (`_something`).
    model_config = ConfigDict(**_Strict.model_config, json_schema_extra={"minProperties": 1})

    minimum: float | None = Field(default=None, alias="min")
    """The lowest value a new version may have (what a plain number means)."""
    max_drop: Annotated[float, Field(ge=0)] | None = None
    """How far, in the metric's own units, a new version may fall below its champion: the version
    the solution's campaigns serve when its training starts. The first training of a solution
    has no champion and checks `min` only."""

    @model_validator(mode="after")
    def _something(self) -> "Gate":
        if self.minimum is None and self.max_drop is None:
            raise ValueError("set min, max_drop or both (a plain number means min)")
        return self

    def to_contract(self) -> contract.Gate:
        return contract.Gate(minimum=self.minimum, max_drop=self.max_drop)


def _gate_form(value: Any) -> str:
    """Which form a gate is written in, so an error names only that form's problem."""
    return "(object)" if isinstance(value, dict | Gate) else "(number)"


# Tags in parentheses name a union branch, not a field: `loader.field_path` leaves them out.
GateValue = Annotated[
    Annotated[float, Tag("(number)")] | Annotated[Gate, Tag("(object)")], Discriminator(_gate_form)
]


# `false` or the object: an error names only the form written (tags in parentheses are no field).
AutoTrainingValue = Annotated[
    Annotated[Literal[False], Tag("(off)")] | Annotated[AutoTraining, Tag("(object)")],
    Discriminator(lambda value: "(object)" if isinstance(value, dict | AutoTraining) else "(off)"),
]


class Training(_Strict):
    """How the deploy trains a solution version and waits for it."""

    mode: contract.TrainingMode = _as_in(contract.SolutionVersion, "training_mode")
    trigger: Annotated[str, Field(min_length=1, max_length=100)] = _as_in(contract.SolutionVersion, "trigger")
    max_wait_minutes: Annotated[int, Field(ge=30, le=720)] = _as_in(contract.TrainingWait, "max_wait_minutes")
    gates: dict[str, GateValue] = _as_in(contract.SolutionVersion, "gates")

    @field_validator("gates")
    @classmethod
    def _known_metrics(cls, gates: dict[str, float | Gate]) -> dict[str, float | Gate]:
        unknown = sorted(set(gates) - set(METRIC_NAMES))
        if unknown:
            raise ValueError(f"unknown metric {', '.join(unknown)}; use one of: {', '.join(METRIC_NAMES)}")
        return gates

    @property
    def compares_with_champion(self) -> bool:
        """Some gate has `max_drop`: each training records the version serving when it starts."""
        return any(gate.max_drop is not None for gate in self.gate_specs.values())

    @property
    def gate_specs(self) -> dict[str, contract.Gate]:
        """The gates as the contract carries them: a plain number is `min`."""
        return {
            name: gate.to_contract() if isinstance(gate, Gate) else contract.Gate(minimum=gate)
            for name, gate in self.gates.items()
        }


class Solution(_Strict):
    name: Name
    physical_name: Name | None = None
    """Take over a solution made by hand under this exact name; default `{project}-{name}`."""
    recipe: str
    """Short name (aws-user-personalization) or full recipe ARN."""
    event_type: str | None = _as_in(contract.Solution, "event_type")
    perform_hpo: bool = _as_in(contract.Solution, "perform_hpo")
    hyperparameters: dict[str, str] = Field(default_factory=dict)
    """`solutionConfig.algorithmHyperParameters`."""
    solution_config: dict[str, Any] = Field(default_factory=dict)
    """Any other `solutionConfig` field, in the API's own shape (e.g. eventValueThreshold)."""
    auto_training: AutoTrainingValue = False
    """false (default: the deploy alone trains) or {schedule: "rate(N days)", promote: gated | off}."""
    training: Training = Field(default_factory=Training)

    @field_validator("recipe")
    @classmethod
    def _known_recipe(cls, value: str) -> str:
        if recipe_named(value) is None:
            raise ValueError(f"unknown recipe '{value}'; use one of: {', '.join(RECIPES)}")
        return value


class ItemExploration(_Strict):
    exploration_weight: Annotated[float, Field(ge=0, le=1)] = _as_in(
        contract.ItemExploration, "exploration_weight"
    )
    exploration_item_age_cut_off: Annotated[int, Field(ge=1)] = _as_in(
        contract.ItemExploration, "exploration_item_age_cut_off"
    )


class Campaign(_Strict):
    name: Name
    physical_name: Name | None = None
    """Take over a campaign made by hand under this exact name; default `{project}-{name}`."""
    solution: str
    """`name` of the solution whose trained version this campaign serves."""
    min_provisioned_tps: Annotated[int, Field(strict=True, ge=1)] = _as_in(
        contract.Campaign, "min_provisioned_tps"
    )
    # The keys of `campaignConfig`: same names as `contract.CampaignConfig`, which reads them.
    enable_metadata_with_recommendations: bool = _as_in(
        contract.CampaignConfig, "enable_metadata_with_recommendations"
    )
    item_exploration: ItemExploration | None = _as_in(contract.CampaignConfig, "item_exploration")
    ranking_influence: dict[str, float] | None = _as_in(contract.CampaignConfig, "ranking_influence")
    sync_with_latest_solution_version: bool = _as_in(
        contract.CampaignConfig, "sync_with_latest_solution_version"
    )


class Filter(_Strict):
    name: Name
    expression: Annotated[str, Field(min_length=1, max_length=2500)]


# The trigger is part of the output path (`batch/{name}/{trigger}/{version id}/`): S3-safe only.
BATCH_TRIGGER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class BatchJob(_Strict):
    """A job the deploy runs once per trigger, input and trained version; its output goes under
    `s3://{data bucket}/batch/{name}/{trigger}/{solution version id}/`."""

    name: Name
    solution: str
    """`name` of the solution whose gated version the job uses."""
    kind: contract.BatchKind = _as_in(contract.BatchJob, "kind")
    input: Annotated[str, Field(min_length=1)]
    """A local JSON-lines file (uploaded with the deploy) or s3://bucket/key: one `{"userId": ...}`
    (or `{"itemId": ...}`) per line; for segments `{"itemId": ...}` or `{"itemAttributes": ...}`."""
    num_results: Annotated[int, Field(strict=True, ge=1)] | None = _as_in(contract.BatchJob, "num_results")
    filter: str | None = None
    """`name` of a filter in `filters` applied to the results; default none."""
    trigger: Annotated[str, Field(min_length=1, max_length=64, pattern=BATCH_TRIGGER_PATTERN)] = _as_in(
        contract.BatchJob, "trigger"
    )
    max_wait_minutes: Annotated[int, Field(ge=30, le=720)] = _as_in(contract.BatchJob, "max_wait_minutes")


class Quotas(_Strict):
    """Personalize's adjustable quotas of the target account (defaults: AWS's defaults, per
    dataset group). Synth warns when the config declares more; set the value your account was
    raised to (Service Quotas) to silence it."""

    solutions: Annotated[int, Field(strict=True, ge=1)] = 10
    """Active solutions per dataset group (AWS default 10)."""
    campaigns: Annotated[int, Field(strict=True, ge=1)] = 5
    """Campaigns per dataset group (AWS default 5)."""
    filters: Annotated[int, Field(strict=True, ge=1)] = 30
    """Filters per dataset group (AWS default 30: https://docs.aws.amazon.com/personalize/latest/dg/limits.html)."""


class AppConfig(_Strict):
    """One deployment of the Personalize training layer."""

    project: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-zA-Z][a-zA-Z0-9\-]*$")]
    """Prefix of every physical name and SSM parameter."""
    stack_name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,127}$")] | None = None
    """CloudFormation stack name; default `{project}-personalize`."""
    env: Env | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    """Tags of every resource (Personalize's too): letters, digits, spaces and _ . : / = + - @."""
    dataset_group_tags_at_creation: dict[str, str] | None = None
    """Stacks deployed before `Custom::PersonalizeTags` only: the tags the dataset group, its
    schemas and datasets were created with (the `tags` of that first deploy), written unchanged
    as their CloudFormation `Tags`. That property is create-only: removing it would replace them,
    which CloudFormation refuses. Omit it for a new stack (they get no `Tags` property); `tags`
    applies either way."""
    removal_policy: Literal["destroy", "retain"] = "destroy"
    """What a stack delete does: retain keeps the data bucket and every Personalize resource."""
    termination_protection: bool = False
    dataset_group: DatasetGroup
    datasets: Datasets = Field(default_factory=Datasets)
    solutions: list[Solution] = Field(default_factory=list)
    campaigns: list[Campaign] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)
    event_tracker: bool = False
    batch_jobs: list[BatchJob] = Field(default_factory=list)
    """Batch recommendations and user segments, written to the data bucket (see BatchJob)."""
    max_concurrent_trainings: Annotated[int, Field(strict=True, ge=1, le=100)] = 10
    """At most this many solution versions of this stack train at once (default 10): the
    solution versions are chained with DependsOn in `solutions` order, so solution i+K starts
    only after solution i's version is ACTIVE and passed its gates. Personalize's concurrent
    training quota is per account and region, shared with every other stack there."""
    metric_attribution: MetricAttribution | None = None
    """Report what recommendations earn (by event type) to CloudWatch; null = none."""
    quotas: Quotas = Field(default_factory=Quotas)
    """Your account's Personalize quotas, if raised (see Quotas)."""

    @field_validator("tags", "dataset_group_tags_at_creation")
    @classmethod
    def _tags(cls, tags: dict[str, str] | None) -> dict[str, str] | None:
        for key, value in (tags or {}).items():
            if not (1 <= len(key) <= 128 and TAG_PATTERN.match(key)) or key.lower().startswith("aws:"):
                raise ValueError(
                    f"tag key {key!r}: 1-128 letters, digits, spaces or _ . : / = + - @, not starting 'aws:'"
                )
            if key.startswith(OWN_TAG_PREFIX):
                raise ValueError(f"tag key {key!r}: keys starting {OWN_TAG_PREFIX!r} are the handlers' own")
            if not (len(value) <= 256 and TAG_PATTERN.match(value)):
                raise ValueError(
                    f"tag {key!r}: value {value!r} must be ≤ 256 letters, digits, spaces or _ . : / = + - @"
                )
        return tags

    @property
    def resolved_stack_name(self) -> str:
        return self.stack_name or f"{self.project}-personalize"

    def physical_name(self, name: str, override: str | None = None) -> str:
        """`{project}-{name}` unless the resource names its own `physical_name`."""
        return override or f"{self.project}-{name}"

    def solution(self, name: str) -> Solution:
        return next(s for s in self.solutions if s.name == name)
