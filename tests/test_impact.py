"""The impact report over pairs of assemblies synthesized from config variants (shared synths),
plus the pure classification functions over small template dicts."""

import subprocess
import sys
from pathlib import Path

from lambda_handlers import constants, contract
from ops.impact import imports
from ops.impact.__main__ import main
from ops.impact.report import personalize_changes
from tests.support.synth import DEFAULT_CONFIG, REPO, default_raw_config, synth_dir, write_config

DATA_UNCHANGED = "dataset group news, schema interactions, dataset Interactions, schema items, dataset Items"
APPROVAL = (
    "**Needs an extra approval**: a retrain, or a Personalize resource replaced or deleted. "
    "Check `cdk diff` for the full change."
)


def _base() -> Path:
    return synth_dir(str(DEFAULT_CONFIG))


def _head(change) -> Path:
    raw = default_raw_config()
    change(raw)
    return synth_dir(str(write_config(raw)))


def _run(base: Path, head: Path, capsys) -> tuple[list[str], int]:
    code = main([str(base), str(head)])
    return capsys.readouterr().out.splitlines(), code


def _trigger_and_tps(raw):
    raw["solutions"][0]["training"]["trigger"] = "v2"
    raw["campaigns"][0]["min_provisioned_tps"] = 5


def _filter_and_new_campaign(raw):
    raw["filters"][0]["expression"] = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "view")'
    raw["campaigns"].append({"name": "ranking", "solution": "personalized-ranking"})


def _remove_solution(raw):
    del raw["solutions"][1]


def test_trigger_and_tps_change_is_a_retrain_and_a_campaign_update(capsys):
    # GIVEN the default config and one with a new trigger and a higher TPS
    # WHEN the report compares their assemblies
    lines, code = _run(_base(), _head(_trigger_and_tps), capsys)
    # THEN
    assert lines == [
        "## What this change does to Amazon Personalize",
        "",
        "### Stack `immersion-day-news-personalize`",
        "",
        "- **retrain**: solution user-personalization retrains: trigger v1 → v2, FULL; "
        "the deploy may wait up to 240 min; one training, billed per training compute hour",
        "- **update in place**: campaign user-personalization: min TPS 1 → 5: the floor rises by 4 TPS, "
        "at least +2,920 TPS-hours a month, an unknown amount at the list price (no list price recorded "
        "for an environment-agnostic stack in ops/impact/prices.py)",
        "- **update in place**: campaign user-personalization: moves to the new version of solution "
        "user-personalization once it is trained and passes its gates (UpdateCampaign)",
        f"- **no change**: solution personalized-ranking, {DATA_UNCHANGED}, filter exclude-clicked, "
        "event tracker tracker",
        "",
        APPROVAL,
    ]
    assert code == 2


def test_filter_expression_and_new_campaign_replace_create_and_keep_iam(capsys):
    lines, code = _run(_base(), _head(_filter_and_new_campaign), capsys)
    assert lines == [
        "## What this change does to Amazon Personalize",
        "",
        "### Stack `immersion-day-news-personalize`",
        "",
        "- **replace**: filter exclude-clicked replaced: expression changed",
        "- **create**: campaign ranking created",
        "- **no change**: solution user-personalization, solution personalized-ranking, "
        f"campaign user-personalization, {DATA_UNCHANGED}, event tracker tracker",
        "",
        APPROVAL,
    ]  # the handler's grant is `campaign/{project}-*`: a new campaign of the project widens nothing
    assert code == 2


def test_removed_solution_is_a_deletion_and_keeps_iam(capsys):
    lines, code = _run(_base(), _head(_remove_solution), capsys)
    assert lines[4] == "- **delete**: solution personalized-ranking deleted"
    assert lines[5] == (
        f"- **no change**: solution user-personalization, campaign user-personalization, {DATA_UNCHANGED}, "
        "filter exclude-clicked, event tracker tracker"
    )
    assert lines[6:9] == ["", "Other notable changes:", ""]
    assert not [line for line in lines if "narrowed" in line]  # `solution/{project}-*` stays
    assert "- `SolutionPersonalizedRankingParameter` (AWS::SSM::Parameter) deleted" in lines
    assert code == 2


def test_no_change_exits_zero(capsys):
    lines, code = _run(_base(), _base(), capsys)
    assert lines[-1] == "Nothing retrains, and no Personalize resource is replaced or deleted."
    assert code == 0


def test_fails_when_called_without_two_assemblies(capsys, tmp_path):
    assert main([str(tmp_path)]) == 1
    assert main([str(tmp_path), str(tmp_path)]) == 1
    assert "no manifest.json" in capsys.readouterr().err


def test_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "ops.impact", "--help"], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith("usage: python -m ops.impact")


# ---- pure classification over small templates ---------------------------------------------


def _res(rtype: str, **props) -> dict:
    return {"Type": rtype, "Properties": props}


SCHEMA = "AWS::Personalize::Schema"
DATASET = "AWS::Personalize::Dataset"


def _dataset() -> dict:
    return _res(
        DATASET,
        Name="p-interactions",
        DatasetType="Interactions",
        SchemaArn={"Fn::GetAtt": ["InteractionsSchema", "SchemaArn"]},
    )


def _import(version: str, mode: str = "FULL", link: int = 0) -> dict:
    spec = contract.DatasetImport(
        dataset_arn="arn:aws:personalize:us-east-1:111111111111:dataset/p-g/INTERACTIONS",
        data_location=f"s3://b/datasets/interactions/{version}/interactions.csv",
        data_version=version,
        job_prefix="p-interactions",
        role_arn="arn:aws:iam::111111111111:role/r",
        import_mode=mode,  # type: ignore[arg-type]
        dataset_import_job_arn="arn:job" if link else "",
        link_index=link,
    )
    return {"Type": constants.DATASET_IMPORT_TYPE, "Properties": spec.to_properties()}


def _data_stack(version: str, mode: str = "FULL") -> dict:
    schema = _res(SCHEMA, Name="p-interactions-11111111", Schema="{}")
    return {
        "InteractionsSchema": schema,
        "InteractionsDataset": _dataset(),
        "InteractionsImport": _import(version, mode),
        "InteractionsImportWait1": _import(version, mode, link=1),
    }


def test_new_data_re_imports_the_dataset_full():
    changes = personalize_changes(_data_stack("aaaaaaaa"), _data_stack("bbbbbbbb"), "p")
    assert [(c.kind, c.text) for c in changes] == [
        ("update in place", f"dataset Interactions imports new data ({imports.FULL_NOTE})"),
        ("no change", "schema interactions"),
        ("no change", "dataset Interactions"),
    ]


def test_new_data_imported_incrementally_says_it_cannot_be_undone():
    changes = personalize_changes(_data_stack("aaaaaaaa"), _data_stack("bbbbbbbb", "INCREMENTAL"), "p")
    (imported,) = [c for c in changes if c.kind == "update in place"]
    assert "INCREMENTAL" in imported.text and "cannot be undone" in imported.text
    assert "imports the previous file FULL" in imported.text


def test_a_mode_change_alone_imports_nothing_and_a_new_stack_imports_full():
    changes = personalize_changes(_data_stack("aaaaaaaa"), _data_stack("aaaaaaaa", "INCREMENTAL"), "p")
    assert ("update in place", "dataset Interactions: import settings changed, nothing is imported") in [
        (c.kind, c.text) for c in changes
    ]
    created = personalize_changes({}, _data_stack("aaaaaaaa", "INCREMENTAL"), "p")
    assert ("create", "dataset Interactions imports its data file (FULL: a dataset's first import)") in [
        (c.kind, c.text) for c in created
    ]


def test_schema_change_replaces_the_dataset_which_cannot_work():
    base = {
        "InteractionsSchema": _res(SCHEMA, Name="p-interactions-11111111", Schema="{}"),
        "InteractionsDataset": _dataset(),
    }
    head = {
        "InteractionsSchema": _res(SCHEMA, Name="p-interactions-22222222", Schema='{"x": 1}'),
        "InteractionsDataset": _dataset(),
    }
    changes = personalize_changes(base, head, "p")
    assert [(c.kind, c.text) for c in changes] == [
        ("replace", "schema interactions replaced: schema changed"),
        (
            "replace",
            "dataset Interactions replaced: schema changed — a dataset group holds one dataset per type, "
            "so this deploy will fail; create a new dataset group",
        ),
    ]
