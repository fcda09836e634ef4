"""The Personalize training-layer stack: composes data, training, serving, exports, dashboard."""

from typing import Any

from aws_cdk import Annotations, CfnDeletionPolicy, CfnResource, Environment, RemovalPolicy, Stack
from constructs import Construct

from lambda_handlers import contract
from stacks.auto_promotion import AutoPromotion, PromotionTarget
from stacks.batch import BatchJobs, BatchJobSpec
from stacks.config_model import AppConfig, ConfigError, rules
from stacks.config_model.model import Campaign, Solution
from stacks.config_model.recipes import recipe_named
from stacks.dashboard import TrainingDashboard
from stacks.data_layer import DataLayer, DatasetSpec
from stacks.derived_names import pascal
from stacks.drift_role import DriftReaderRole, DriftReaderTrust
from stacks.exports import Exports
from stacks.limits import quota_warnings, tree_problems
from stacks.metric_attribution import attach_metric_attribution
from stacks.nag import (
    acknowledge_auto_promotion,
    acknowledge_batch_jobs,
    acknowledge_data_layer,
    acknowledge_drift_reader,
    acknowledge_provider,
)
from stacks.provider import PROVIDER_ID, personalize_provider
from stacks.serving import Filters, PersonalizeCampaign, latest_version_arn
from stacks.tagging import tag_stack
from stacks.template_marker import TemplateMarker, drift_role_name, marker_metadata
from stacks.training import PersonalizeSolution, SolutionTraining


class PersonalizeStack(Stack):
    """Everything one config declares, in one stack named `config.resolved_stack_name`.

    Props (keyword-only): config — the validated config; drift_reader — the role (the pipeline's
    drift step) that may assume a read-only role for `ops.drift`; None (the default, a deploy
    from a laptop) creates no role: drift then runs with your own credentials.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        drift_reader: DriftReaderTrust | None = None,
        **kwargs: Any,
    ) -> None:
        env = Environment(account=config.env.account, region=config.env.region) if config.env else None
        super().__init__(
            scope,
            construct_id,
            stack_name=config.resolved_stack_name,
            env=env,
            termination_protection=config.termination_protection,
            description=f"Amazon Personalize training layer for {config.project} (personalize-cdk)",
            **kwargs,
        )
        self.config = config
        # Every name `config.physical_name` derives starts with it (one pattern in the handler policy).
        self.name_prefix = f"{config.project}-"
        removal = RemovalPolicy.RETAIN if config.removal_policy == "retain" else RemovalPolicy.DESTROY
        group = config.dataset_group
        self.data = DataLayer(
            self,
            "Data",
            project=config.project,
            dataset_group_name=group.name,
            existing_dataset_group_arn=group.arn,
            kms_key_arn=group.kms_key_arn,
            datasets=tuple(
                DatasetSpec(
                    dataset_type=kind, schema_file=ds.schema_, data=ds.data, import_mode=ds.import_mode
                )
                for kind, ds in config.datasets.declared().items()
            ),
            removal_policy=removal,
            keep_imports=config.datasets.keep_imports,
            import_max_wait_minutes=config.datasets.import_max_wait_minutes,
            publish_attribution_metrics=bool(
                config.metric_attribution and config.metric_attribution.s3_reports
            ),
        )
        self.exports = Exports(self, "Exports", project=config.project)
        attribution = attach_metric_attribution(self, config, self.data, self.exports)
        self.solutions: dict[str, PersonalizeSolution] = {}
        self.trainings: dict[str, SolutionTraining] = {}
        for sol in config.solutions:
            self._solution(sol)
        self._limit_concurrent_trainings(config.max_concurrent_trainings)
        self.campaigns: dict[str, PersonalizeCampaign] = {}
        for camp in config.campaigns:
            self._campaign(camp)
        self.filters = Filters(
            self,
            "Serving",
            project=config.project,
            dataset_group_arn=self.data.dataset_group_arn,
            filters={f.name: f.expression for f in config.filters},
            event_tracker=config.event_tracker,
            depends_on=self.data.ready,
        )
        for name, arn in self.filters.filter_arns.items():
            self.exports.filter(name, arn)
        if self.filters.tracking_id is not None:
            self.exports.event_tracker(self.filters.tracking_id)
        self.batch = self._batch_jobs() if config.batch_jobs else None
        self._auto_promotion()
        TrainingDashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.project}-personalize",
            solutions={s.name: list(s.training.gates) for s in config.solutions},
            campaigns={name: (c.campaign_arn, c.min_provisioned_tps) for name, c in self.campaigns.items()},
            attribution_metrics=attribution,
        )
        self.resource_tags = tag_stack(
            self,
            config.tags,
            retain=config.removal_policy == "retain",
            tags_at_creation=config.dataset_group_tags_at_creation,
        )
        if config.removal_policy == "retain":
            retain_native_personalize(self)
        for warning in quota_warnings(config):
            Annotations.of(self).add_warning_v2(f"personalize-cdk:quota:{warning.path}", str(warning))
        for warning in rules.warnings(config):
            Annotations.of(self).add_warning_v2(f"personalize-cdk:config:{warning.path}", str(warning))
        problems = tree_problems(self, config)
        if problems:
            raise ConfigError(f"stack {config.resolved_stack_name}", problems)
        acknowledge_data_layer(self.data)
        if self.batch is not None:
            acknowledge_batch_jobs(self.batch, project=config.project)
        reader_name = self._drift_reader(drift_reader)
        self.template_options.metadata = marker_metadata(
            TemplateMarker(project=config.project, drift_role_name=reader_name)
        )
        if self.node.try_find_child(PROVIDER_ID) is not None:  # solutions or a data copy made it
            acknowledge_provider(personalize_provider(self), project=config.project)

    def _solution(self, sol: Solution) -> None:
        recipe = recipe_named(sol.recipe)
        assert recipe is not None  # the config model refused unknown recipes
        solution_config = dict(sol.solution_config)
        if sol.hyperparameters:
            solution_config["algorithmHyperParameters"] = dict(sorted(sol.hyperparameters.items()))
        solution = PersonalizeSolution(
            self,
            f"Solution-{sol.name}",
            spec=contract.Solution(
                name=self.config.physical_name(sol.name, sol.physical_name),
                dataset_group_arn=self.data.dataset_group_arn,
                recipe_arn=recipe.arn,
                event_type=sol.event_type,
                solution_config=solution_config,
                perform_hpo=sol.perform_hpo,
                auto_training_schedule=sol.auto_training.schedule if sol.auto_training else None,
                tags=self.config.tags,
                retain_on_stack_delete=self.config.removal_policy == "retain",
            ),
            depends_on=self.data.ready,
            logical_id=f"Solution{pascal(sol.name)}",
            name_prefix=self.name_prefix,
        )
        training = SolutionTraining(
            self,
            f"Training-{sol.name}",
            version=contract.SolutionVersion(
                solution_arn=solution.solution_arn,
                trigger=sol.training.trigger,
                training_mode=sol.training.mode,
                gates=sol.training.gate_specs,
                solution_name=sol.name,
                tags=self.config.tags,
            ),
            max_wait_minutes=sol.training.max_wait_minutes,
        )
        self.solutions[sol.name] = solution
        self.trainings[sol.name] = training
        self.exports.solution(sol.name, training.summary)

    def _limit_concurrent_trainings(self, lanes: int) -> None:
        """Solution i+lanes starts training only after solution i's last wait link (ACTIVE, gated).

        CloudFormation has no semaphore, so the lanes are fixed: solution i runs in lane i % lanes
        and the deploy's wall time becomes the longest lane's sum of trainings, about
        ceil(N / lanes) trainings one after another instead of one (e.g. 25 solutions, 10 lanes:
        3 trainings in a row). A redeploy that trains nothing waits for nothing: unchanged links
        are no-ops. A failure anywhere still rolls back the whole stack.
        """
        trainings = list(self.trainings.values())
        for index in range(lanes, len(trainings)):
            trainings[index].version.node.add_dependency(trainings[index - lanes].last_link)

    def _campaign(self, camp: Campaign) -> None:
        training = self.trainings[camp.solution]
        version_arn = training.solution_version_arn
        if camp.sync_with_latest_solution_version:
            version_arn = latest_version_arn(self.solutions[camp.solution].solution_arn)
        campaign = PersonalizeCampaign(
            self,
            f"Campaign-{camp.name}",
            spec=contract.Campaign.from_settings(
                camp,
                name=self.config.physical_name(camp.name, camp.physical_name),
                solution_version_arn=version_arn,
                campaign_config=contract.CampaignConfig.of(camp),
                tags=self.config.tags,
                retain_on_stack_delete=self.config.removal_policy == "retain",
            ),
            depends_on=[training.last_link],
            logical_id=f"Campaign{pascal(camp.name)}",
            name_prefix=self.name_prefix,
        )
        self.campaigns[camp.name] = campaign
        self.exports.campaign(camp.name, campaign.campaign_arn)

    def _auto_promotion(self) -> None:
        """The checker for solutions with `auto_training.promote: gated`, one target per campaign."""
        targets = [
            PromotionTarget(
                spec=contract.AutoPromotion(
                    solution_arn=self.solutions[camp.solution].solution_arn,
                    solution_name=camp.solution,
                    campaign_arn=self.campaigns[camp.name].campaign_arn,
                    campaign_name=camp.name,
                    gates=sol.training.gate_specs,
                ),
                solution_physical_name=self.solutions[camp.solution].physical_name,
                campaign_physical_name=self.campaigns[camp.name].physical_name,
                hold_alarm_after=sol.auto_training.hold_alarm_after,
            )
            for camp in self.config.campaigns
            for sol in [self.config.solution(camp.solution)]
            if sol.auto_training and sol.auto_training.promote == "gated"
        ]
        if targets:
            self.auto_promotion = AutoPromotion(self, "AutoPromotion", targets=targets)
            acknowledge_auto_promotion(self.auto_promotion, [t.solution_physical_name for t in targets])

    def _batch_jobs(self) -> BatchJobs:
        config = self.config
        jobs = [
            (
                BatchJobSpec(
                    name=job.name,
                    job_prefix=config.physical_name(job.name),
                    solution_name=self.solutions[job.solution].physical_name,
                    kind=job.kind,
                    input=job.input,
                    trigger=job.trigger,
                    num_results=job.num_results,
                    filter_arn=self.filters.filter_arns[job.filter] if job.filter else None,
                    max_wait_minutes=job.max_wait_minutes,
                ),
                self.trainings[job.solution],
            )
            for job in config.batch_jobs
        ]
        batch = BatchJobs(
            self, "Batch", data=self.data, jobs=jobs, tags=config.tags, name_prefix=self.name_prefix
        )
        for name, location in batch.output_locations.items():
            self.exports.batch_job(name, location)
        return batch

    def _drift_reader(self, trusted: DriftReaderTrust | None) -> str | None:
        if trusted is None:
            return None
        name = drift_role_name(self.config.resolved_stack_name)
        solution_names = [s.physical_name for s in self.solutions.values()]
        self.drift_reader = DriftReaderRole(
            self,
            "DriftReader",
            trusted=trusted,
            role_name=name,
            solution_names=solution_names,
            campaign_names=[c.physical_name for c in self.campaigns.values()],
        )
        acknowledge_drift_reader(self.drift_reader, solution_names)
        return name


def retain_native_personalize(stack: Stack) -> None:
    """removal_policy retain for the native Personalize resources (dataset group, schemas, datasets,
    filters, event tracker): DeletionPolicy RetainExceptOnCreate, so the stack's delete leaves them
    and the rollback of a failed first deploy does not. CloudFormation applies a DeletionPolicy to
    a removal from the template too: a native resource removed from the config is retained as well
    (docs/lifecycle.md). UpdateReplacePolicy is written out (cfn-lint W3011 wants both) and stays
    Delete: a replaced filter (new expression, new name) is deleted; the group keeps Retain."""
    for node in stack.node.find_all():
        if isinstance(node, CfnResource) and node.cfn_resource_type.startswith("AWS::Personalize::"):
            node.cfn_options.deletion_policy = CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE
            if node.cfn_options.update_replace_policy is None:
                node.cfn_options.update_replace_policy = CfnDeletionPolicy.DELETE
