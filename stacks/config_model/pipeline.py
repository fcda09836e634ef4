"""The pipeline file (`-c pipeline=config/pipeline.yaml`): where the pipeline lives, its source,
and the stages it promotes through, in order. Validated like the deployment config: one
ConfigError naming every problem by file and field path.

Stage `config` paths are relative to the pipeline file, inside the repository or the pipeline
file's folder (`paths.py`); they reach the pipeline's shell (the drift step runs
`make drift CONFIG='...'`), so they are plain paths (SHELL_SAFE_PATH). Every stage config must
name its `env` (a pipeline deploys into accounts, never environment-agnostic), and no two stages
may deploy the same project into the same account and region (they would be the same stack).
"""

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from stacks.config_model import AppConfig, ConfigError, Problem, load_config, paths
from stacks.config_model.loader import field_path, read_yaml
from stacks.config_model.model import Account, Region

CONNECTION_ARN = r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/.+$"
STAGE_NAME = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9-]*$")]
# A path a buildspec or the Makefile may put on a command line: no quote, space, `$`, `;`, glob or
# other character a shell reads, and no leading `-` (an option). The Makefile checks the same.
SHELL_SAFE_PATH = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./-]*$")


def shell_safe_path_problem(path: str) -> str | None:
    """Why `path` may not reach a shell, or None when it may."""
    if SHELL_SAFE_PATH.fullmatch(path):
        return None
    return (
        f"'{path}' would reach the pipeline's shell: use only letters, digits, '.', '_', '-' and '/' "
        "(no space, quote or other shell character), not starting with '-'"
    )


def _shell_safe(path: Path) -> Path:
    problem = shell_safe_path_problem(str(path))
    if problem:
        raise ValueError(problem)
    return path


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """The repository the pipeline builds, through a CodeConnections (CodeStar) connection."""

    connection_arn: Annotated[str, Field(pattern=CONNECTION_ARN)]
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    """`owner/name` as the connection's provider spells it."""
    branch: Annotated[str, Field(min_length=1)] = "main"


class StageRef(_Strict):
    name: STAGE_NAME
    """Construct id of the stage (`dev`, `prod`): the pipeline's stage and action names."""
    config: Annotated[Path, AfterValidator(_shell_safe)]
    """Stage config file, relative to the pipeline file (SHELL_SAFE_PATH)."""
    approval: bool = False
    """A manual approval before this stage deploys (default false)."""


class PipelineFile(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9.@_-]+$")]
    """CodePipeline name; also the pipeline stack's name."""
    account: Account
    region: Region
    source: Source
    stages: Annotated[list[StageRef], Field(min_length=1)]


class PipelineStage(BaseModel):
    """One resolved stage: its entry in the pipeline file and its validated config."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    ref: StageRef
    config_path: Path
    config: AppConfig


class PipelineConfig(BaseModel):
    model_config = ConfigDict(frozen=True)
    file: PipelineFile
    path: Path
    stages: list[PipelineStage]


def _stage_problems(stages: list[PipelineStage]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], str] = {}
    names: set[str] = set()
    for i, stage in enumerate(stages):
        field = f"stages[{i}]"
        if stage.ref.name.lower() in names:
            problems.append(
                Problem(f"{field}.name", f"'{stage.ref.name}' is used twice; names must be unique")
            )
        names.add(stage.ref.name.lower())
        env = stage.config.env
        if env is None:
            problems.append(
                Problem(
                    f"{field}.config",
                    f"{stage.config_path} has no env; a pipeline stage needs env: {{account, region}}",
                )
            )
            continue
        key = (env.account, env.region, stage.config.project)
        if key in seen:
            problems.append(
                Problem(
                    f"{field}.config",
                    f"deploys project '{key[2]}' to {key[0]}/{key[1]} like stage '{seen[key]}': "
                    "two stages would be one stack; change the account, region or project",
                )
            )
        else:
            seen[key] = stage.ref.name
    return problems


def parse_pipeline(raw: dict[str, object], source: str) -> PipelineFile:
    try:
        return PipelineFile.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(field_path(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()
        ]
        raise ConfigError(source, problems) from None


def load_pipeline(path: str | Path) -> PipelineConfig:
    """Read and validate the pipeline file and every stage config it names."""
    path = Path(path)
    file = parse_pipeline(read_yaml(path), str(path))
    stages: list[PipelineStage] = []
    missing: list[Problem] = []
    for i, ref in enumerate(file.stages):
        config_path = path.parent / ref.config
        if paths.outside(config_path.resolve(), path) is not None:
            paths.confined(f"stages[{i}].config", str(ref.config), path, missing)
            continue
        if not config_path.is_file():
            missing.append(Problem(f"stages[{i}].config", f"stage config not found: {config_path}"))
            continue
        stages.append(PipelineStage(ref=ref, config_path=config_path, config=load_config(config_path)))
    problems = missing + _stage_problems(stages)
    if problems:
        raise ConfigError(str(path), problems)
    return PipelineConfig(file=file, path=path, stages=stages)
