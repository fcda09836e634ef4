"""Checks across fields of a parsed config; each returns the problems it finds."""

from collections.abc import Callable, Iterator
from pathlib import Path

from stacks.config_model.collisions import collisions
from stacks.config_model.errors import Problem
from stacks.config_model.metric_attribution import own_group_only
from stacks.config_model.model import NAME_MAX, NAME_PATTERN, AppConfig
from stacks.config_model.recipes import METRICS_PAGE, RECIPES, recipe_named

Rule = Callable[[AppConfig], Iterator[Problem]]


def _dataset_group(cfg: AppConfig) -> Iterator[Problem]:
    group = cfg.dataset_group
    if (group.name is None) == (group.arn is None):
        yield Problem("dataset_group", "set exactly one of 'name' (create a group) or 'arn' (use one)")
    if group.arn and group.kms_key_arn:
        yield Problem("dataset_group.kms_key_arn", "only for a group this stack creates; remove it")
    key_place = _kms_place(group.kms_key_arn)
    if cfg.env is not None and key_place is not None and key_place != (cfg.env.account, cfg.env.region):
        yield Problem(
            "dataset_group.kms_key_arn",
            f"the key is in account {key_place[0]}, region {key_place[1]}, but env deploys to account "
            f"{cfg.env.account}, region {cfg.env.region}; use a key of that account and region (the "
            "owner of another account's key can disable it, and the data and the dataset group with it)",
        )
    if group.name and cfg.datasets.interactions is None:
        yield Problem(
            "datasets.interactions",
            "a new dataset group needs an interactions dataset (schema and data) to train on",
        )


def _kms_place(key_arn: str | None) -> tuple[str, str] | None:
    """(account, region) of a KMS key ARN `arn:{partition}:kms:{region}:{account}:key/{id}`."""
    if not key_arn:
        return None
    parts = key_arn.split(":")
    return (parts[4], parts[3]) if len(parts) >= 6 else None


def warnings(cfg: AppConfig) -> list[Problem]:
    """What synth shows as a warning: allowed, but worth a second look."""
    found: list[Problem] = []
    place = _kms_place(cfg.dataset_group.kms_key_arn)
    if place is not None and cfg.env is None:
        found.append(
            Problem(
                "dataset_group.kms_key_arn",
                f"the key is in account {place[0]}, region {place[1]}, and no env says where the stack "
                "deploys, so synth cannot check they match; set env (a key in another account can be "
                "disabled by its owner, and the data and the dataset group with it)",
            )
        )
    return found


def _dataset_files(cfg: AppConfig) -> Iterator[Problem]:
    for kind, ds in cfg.datasets.declared().items():
        path = f"datasets.{kind.lower()}"
        if not ds.schema_.is_file():
            yield Problem(f"{path}.schema", f"file not found: {ds.schema_}")
        if not ds.data_is_s3 and not Path(ds.data).is_file():
            yield Problem(f"{path}.data", f"file not found: {ds.data} (a local CSV or s3://bucket/key)")


def _physical_names(cfg: AppConfig) -> Iterator[Problem]:
    """Composed names must still obey Personalize's rules; `physical_name` is taken as is."""
    named: list[tuple[str, str]] = []
    if cfg.dataset_group.name:
        named.append(("dataset_group.name", cfg.physical_name(cfg.dataset_group.name)))
    for i, s in enumerate(cfg.solutions):
        field = "physical_name" if s.physical_name else "name"
        named.append((f"solutions[{i}].{field}", cfg.physical_name(s.name, s.physical_name)))
    for i, c in enumerate(cfg.campaigns):
        field = "physical_name" if c.physical_name else "name"
        named.append((f"campaigns[{i}].{field}", cfg.physical_name(c.name, c.physical_name)))
    # Filters and dataset import jobs carry a 9-character content suffix ("-" + 8 hex).
    named += [
        (f"filters[{i}].name", cfg.physical_name(f.name) + "-12345678") for i, f in enumerate(cfg.filters)
    ]
    for path, full in named:
        if len(full) > NAME_MAX:
            yield Problem(
                path,
                f"physical name '{full}' is longer than Personalize's {NAME_MAX} characters; "
                "shorten 'project' or the name",
            )
        elif not NAME_PATTERN.match(full):
            yield Problem(path, f"physical name '{full}' must match {NAME_PATTERN.pattern}")


def _unique(cfg: AppConfig) -> Iterator[Problem]:
    for field, names in (
        ("solutions", [s.name for s in cfg.solutions]),
        ("campaigns", [c.name for c in cfg.campaigns]),
        ("filters", [f.name for f in cfg.filters]),
    ):
        for i, name in enumerate(names):
            if name in names[:i]:
                yield Problem(f"{field}[{i}].name", f"'{name}' is used twice; names must be unique")


def _derived_names(cfg: AppConfig) -> Iterator[Problem]:
    """Different config names that become one logical id, output, SSM path or physical name."""
    for first, later in collisions(cfg):
        kind = first.field.split("[")[0]
        exact_duplicate = (
            first.value == later.value and later.field.startswith(kind) and later.field.endswith(".name")
        )
        if exact_duplicate:
            continue  # `_unique` reports it
        yield Problem(
            later.field,
            f"'{later.value}' becomes {later.namespace} {later.derived}, as {first.field} "
            f"'{first.value}' does; give one of them another name",
        )


def _gates(cfg: AppConfig) -> Iterator[Problem]:
    """A gate on a metric the recipe never reports would fail hours into the deploy as missing."""
    for i, sol in enumerate(cfg.solutions):
        recipe = recipe_named(sol.recipe)
        if recipe is None:
            continue
        reported = recipe.reported_metrics(sol.solution_config)
        for metric in sol.training.gates:
            if metric not in reported:
                yield Problem(
                    f"solutions[{i}].training.gates.{metric}",
                    f"recipe {recipe.name} does not report {metric} with this solution_config "
                    f"(it reports: {', '.join(reported)}; see {METRICS_PAGE})",
                )


def _training(cfg: AppConfig) -> Iterator[Problem]:
    for i, sol in enumerate(cfg.solutions):
        recipe = recipe_named(sol.recipe)
        if recipe and sol.training.mode == "UPDATE" and not recipe.supports_update_training:
            yield Problem(
                f"solutions[{i}].training.mode",
                f"recipe {recipe.name} does not support UPDATE training; use FULL",
            )


def _campaigns(cfg: AppConfig) -> Iterator[Problem]:
    solutions = {s.name: s for s in cfg.solutions}
    has_items = cfg.datasets.items is not None or cfg.dataset_group.arn is not None
    for i, camp in enumerate(cfg.campaigns):
        path = f"campaigns[{i}]"
        sol = solutions.get(camp.solution)
        if sol is None:
            known = ", ".join(solutions) or "none declared"
            yield Problem(f"{path}.solution", f"no solution named '{camp.solution}' (solutions: {known})")
            continue
        recipe = recipe_named(sol.recipe)
        if recipe and not recipe.supports_campaign:
            yield Problem(
                f"{path}.solution",
                f"recipe {recipe.name} is batch-only; it cannot serve a campaign",
            )
        if recipe and camp.item_exploration and not recipe.supports_item_exploration:
            yield Problem(
                f"{path}.item_exploration",
                f"recipe {recipe.name} has no item exploration; remove item_exploration",
            )
        if camp.enable_metadata_with_recommendations and not has_items:
            yield Problem(
                f"{path}.enable_metadata_with_recommendations",
                "metadata needs an items dataset; add datasets.items or set it to false",
            )
        if camp.sync_with_latest_solution_version and sol.training.gates:
            yield Problem(
                f"{path}.sync_with_latest_solution_version",
                f"it serves every new version without gates, but solution '{sol.name}' has gates; "
                "remove the gates or set it to false",
            )


def _auto_promotion(cfg: AppConfig) -> Iterator[Problem]:
    served = {c.solution for c in cfg.campaigns}
    for i, sol in enumerate(cfg.solutions):
        if sol.auto_training and sol.auto_training.promote == "gated" and sol.name not in served:
            yield Problem(
                f"solutions[{i}].auto_training.promote",
                f"no campaign serves solution '{sol.name}', so there is nothing to promote; "
                "add a campaign or set promote: off",
            )


def _filters(cfg: AppConfig) -> Iterator[Problem]:
    if cfg.dataset_group.arn:
        return
    for i, flt in enumerate(cfg.filters):
        for kind in ("Items", "Users"):
            if f"{kind}." in flt.expression and kind not in cfg.datasets.declared():
                yield Problem(
                    f"filters[{i}].expression",
                    f"refers to {kind}.* but no {kind.lower()} dataset is declared",
                )


BATCH_PREFIX_MAX = 54  # a job name is `{project}-{name}-{8 hex}`, at most 63 characters


def _batch_jobs(cfg: AppConfig) -> Iterator[Problem]:
    """Batch jobs name a declared solution whose recipe makes their kind, and a declared filter."""
    solutions = {s.name: s for s in cfg.solutions}
    filters = {f.name for f in cfg.filters}
    for i, job in enumerate(cfg.batch_jobs):
        path = f"batch_jobs[{i}]"
        if cfg.dataset_group.arn:
            yield Problem(path, "batch jobs write to the stack's data bucket: use dataset_group.name")
        if job.name in [j.name for j in cfg.batch_jobs[:i]]:
            yield Problem(f"{path}.name", f"'{job.name}' is used twice; names must be unique")
        if len(cfg.physical_name(job.name)) > BATCH_PREFIX_MAX:
            yield Problem(
                f"{path}.name",
                f"'{cfg.physical_name(job.name)}' is longer than {BATCH_PREFIX_MAX} characters (job names "
                "add 9); shorten 'project' or the name",
            )
        if not job.input.startswith("s3://") and not Path(job.input).is_file():
            yield Problem(f"{path}.input", f"file not found: {job.input} (a local JSON-lines file or s3://)")
        if job.filter is not None and job.filter not in filters:
            yield Problem(
                f"{path}.filter", f"no filter named '{job.filter}' (filters: {', '.join(filters) or 'none'})"
            )
        sol = solutions.get(job.solution)
        if sol is None:
            yield Problem(
                f"{path}.solution",
                f"no solution named '{job.solution}' (solutions: {', '.join(solutions) or 'none'})",
            )
            continue
        recipe = recipe_named(sol.recipe)
        if recipe and job.kind == "segments" and not recipe.supports_batch_segments:
            affinity = ", ".join(r.name for r in RECIPES.values() if r.supports_batch_segments)
            yield Problem(
                f"{path}.kind",
                f"segments need an affinity recipe ({affinity}); solution '{sol.name}' uses {recipe.name}",
            )
        if recipe and job.kind == "recommendations" and not recipe.supports_batch_inference:
            yield Problem(
                f"{path}.kind",
                f"recipe {recipe.name} of solution '{sol.name}' cannot make batch recommendations"
                + (" (use kind: segments)" if recipe.supports_batch_segments else ""),
            )


RULES: tuple[Rule, ...] = (
    _dataset_group,
    _dataset_files,
    _physical_names,
    _unique,
    _derived_names,
    _training,
    _gates,
    _campaigns,
    _auto_promotion,
    _filters,
    _batch_jobs,
    own_group_only,
)


def check(cfg: AppConfig) -> list[Problem]:
    return [problem for rule in RULES for problem in rule(cfg)]
