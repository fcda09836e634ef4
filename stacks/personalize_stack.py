"""The Personalize training-layer stack: composes data, training, serving, exports, dashboard."""

from typing import Any

from aws_cdk import Environment, RemovalPolicy, Stack, Tags
from constructs import Construct

from stacks.config_model import AppConfig
from stacks.config_model.model import Campaign, Solution
from stacks.config_model.recipes import recipe_named
from stacks.dashboard import TrainingDashboard
from stacks.data_layer import DataLayer, DatasetSpec
from stacks.exports import Exports
from stacks.nag import acknowledge_data_layer, acknowledge_provider
from stacks.naming import pascal
from stacks.permissions import grant_handlers
from stacks.provider import PROVIDER_ID, personalize_provider
from stacks.serving import Filters, PersonalizeCampaign, campaign_config, latest_version_arn
from stacks.training import PersonalizeSolution, SolutionTraining


class PersonalizeStack(Stack):
    """Everything one config declares, in one stack named `config.resolved_stack_name`."""

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, **kwargs: Any) -> None:
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
        for key, value in sorted(config.tags.items()):
            Tags.of(self).add(key, value)
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
                DatasetSpec(dataset_type=kind, schema_file=ds.schema_, data=ds.data)
                for kind, ds in config.datasets.declared().items()
            ),
            removal_policy=removal,
            keep_imports=config.datasets.keep_imports,
        )
        self.exports = Exports(self, "Exports", project=config.project)
        self.solutions: dict[str, PersonalizeSolution] = {}
        self.trainings: dict[str, SolutionTraining] = {}
        for sol in config.solutions:
            self._solution(sol)
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
            depends_on=self.data.datasets,
        )
        for name, arn in self.filters.filter_arns.items():
            self.exports.filter(name, arn)
        if self.filters.tracking_id is not None:
            self.exports.event_tracker(self.filters.tracking_id)
        if self.solutions:
            grant_handlers(
                personalize_provider(self).role,
                self,
                dataset_group_arn=self.data.dataset_group_arn,
                solution_names=[s.physical_name for s in self.solutions.values()],
                campaign_names=[c.physical_name for c in self.campaigns.values()],
            )
        TrainingDashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.project}-personalize",
            solutions={s.name: list(s.training.gates) for s in config.solutions},
            campaigns={name: (c.campaign_arn, c.min_provisioned_tps) for name, c in self.campaigns.items()},
        )
        acknowledge_data_layer(self.data)
        if self.node.try_find_child(PROVIDER_ID) is not None:  # solutions or a data copy made it
            acknowledge_provider(
                personalize_provider(self), [s.physical_name for s in self.solutions.values()]
            )

    def _solution(self, sol: Solution) -> None:
        recipe = recipe_named(sol.recipe)
        assert recipe is not None  # the config model refused unknown recipes
        solution_config = dict(sol.solution_config)
        if sol.hyperparameters:
            solution_config["algorithmHyperParameters"] = dict(sorted(sol.hyperparameters.items()))
        solution = PersonalizeSolution(
            self,
            f"Solution-{sol.name}",
            name=self.config.physical_name(sol.name, sol.physical_name),
            dataset_group_arn=self.data.dataset_group_arn,
            recipe_arn=recipe.arn,
            event_type=sol.event_type,
            solution_config=solution_config,
            perform_hpo=sol.perform_hpo,
            auto_training_schedule=sol.auto_training.schedule if sol.auto_training else None,
            tags=self.config.tags,
            depends_on=self.data.datasets,
            logical_id=f"Solution{pascal(sol.name)}",
        )
        training = SolutionTraining(
            self,
            f"Training-{sol.name}",
            solution=solution,
            solution_name=sol.name,
            trigger=sol.training.trigger,
            training_mode=sol.training.mode,
            gates=sol.training.gates,
            max_wait_minutes=sol.training.max_wait_minutes,
            tags=self.config.tags,
        )
        self.solutions[sol.name] = solution
        self.trainings[sol.name] = training
        self.exports.solution(sol.name, training.summary)

    def _campaign(self, camp: Campaign) -> None:
        training = self.trainings[camp.solution]
        version_arn = training.solution_version_arn
        if camp.sync_with_latest_solution_version:
            version_arn = latest_version_arn(self.solutions[camp.solution].solution_arn)
        exploration = camp.item_exploration
        campaign = PersonalizeCampaign(
            self,
            f"Campaign-{camp.name}",
            name=self.config.physical_name(camp.name, camp.physical_name),
            solution_version_arn=version_arn,
            min_provisioned_tps=camp.min_provisioned_tps,
            config=campaign_config(
                enable_metadata_with_recommendations=camp.enable_metadata_with_recommendations,
                exploration_weight=exploration.exploration_weight if exploration else None,
                exploration_item_age_cut_off=exploration.exploration_item_age_cut_off
                if exploration
                else None,
                ranking_influence=camp.ranking_influence,
                sync_with_latest_solution_version=camp.sync_with_latest_solution_version,
            ),
            tags=self.config.tags,
            depends_on=[training.last_link],
            logical_id=f"Campaign{pascal(camp.name)}",
        )
        self.campaigns[camp.name] = campaign
        self.exports.campaign(camp.name, campaign.campaign_arn)
