"""Dataset groups, schemas and datasets."""

from __future__ import annotations

from typing import Final

from simulation.personalize.errors import invalid
from simulation.personalize.store import CREATING, JSON, STOPPING, Operation, Store

DATASET_TYPES: Final = ("INTERACTIONS", "ITEMS", "USERS", "ACTIONS", "ACTION_INTERACTIONS")


def dataset_arn(store: Store, group_name: str, dataset_type: str) -> str:
    return store.arn("dataset", f"{group_name}/{dataset_type}")


def create_dataset_group(store: Store, p: JSON) -> JSON:
    arn = store.arn("dataset-group", p["name"])
    store.ensure_new(arn)
    now = store.now()
    store.add(
        "dataset-group",
        arn,
        p["name"],
        now,
        now + store.durations.resource_create,
        {"roleArn": p.get("roleArn"), "kmsKeyArn": p.get("kmsKeyArn"), "domain": p.get("domain")},
        tags=p.get("tags"),
    )
    return {"datasetGroupArn": arn, "domain": p.get("domain")}


def describe_dataset_group(store: Store, p: JSON) -> JSON:
    return {"datasetGroup": store.view(store.get(p["datasetGroupArn"], "dataset-group"))}


def list_dataset_groups(store: Store, p: JSON) -> JSON:
    return store.listing("dataset-group", p, "datasetGroups", None)


def delete_dataset_group(store: Store, p: JSON) -> JSON:
    group = store.get(p["datasetGroupArn"], "dataset-group")
    for kind, what in (
        ("dataset", "datasets"),
        ("solution", "solutions"),
        ("filter", "filters"),
        ("event-tracker", "event trackers"),
    ):
        store.refuse_if_any(store.of(kind, group.arn), what, group)
    store.start_delete(group, "dataset group")
    return {}


def create_schema(store: Store, p: JSON) -> JSON:
    arn = store.arn("schema", p["name"])
    store.ensure_new(arn)
    now = store.now()
    store.add("schema", arn, p["name"], now, now, {"schema": p["schema"], "domain": p.get("domain")})
    return {"schemaArn": arn}


def describe_schema(store: Store, p: JSON) -> JSON:
    return {"schema": store.view(store.get(p["schemaArn"], "schema"))}


def list_schemas(store: Store, p: JSON) -> JSON:
    return store.listing("schema", p, "schemas", None)


def delete_schema(store: Store, p: JSON) -> JSON:
    schema = store.get(p["schemaArn"], "schema")
    users = [r for r in store.of("dataset") if r.data.get("schemaArn") == schema.arn]
    store.refuse_if_any(users, "datasets using it", schema)
    store.remove(schema.arn)  # schemas have no status: gone at once
    return {}


def create_dataset(store: Store, p: JSON) -> JSON:
    group = store.dataset_group(p["datasetGroupArn"])
    store.get(p["schemaArn"], "schema")
    dataset_type = p["datasetType"].upper()
    if dataset_type not in DATASET_TYPES:
        raise invalid(f"Invalid datasetType {p['datasetType']}; one of {DATASET_TYPES}")
    arn = dataset_arn(store, group.name, dataset_type)
    store.ensure_new(arn)
    now = store.now()
    store.add(
        "dataset",
        arn,
        p["name"],
        now,
        now + store.durations.resource_create,
        {"datasetGroupArn": group.arn, "schemaArn": p["schemaArn"], "datasetType": dataset_type},
        parent=group.arn,
        tags=p.get("tags"),
    )
    return {"datasetArn": arn}


def describe_dataset(store: Store, p: JSON) -> JSON:
    return {"dataset": store.view(store.get(p["datasetArn"], "dataset"))}


def list_datasets(store: Store, p: JSON) -> JSON:
    return store.listing("dataset", p, "datasets", "datasetGroupArn")


def delete_dataset(store: Store, p: JSON) -> JSON:
    dataset = store.get(p["datasetArn"], "dataset")
    running = [j for j in store.of("dataset-import-job", dataset.arn) if store.status(j) in CREATING]
    store.refuse_if_any(running, "import jobs in progress", dataset)
    group = dataset.data["datasetGroupArn"]
    training = [
        v
        for v in store.of("solution-version")
        if v.data["datasetGroupArn"] == group and store.status(v) in (*CREATING, STOPPING)
    ]
    store.refuse_if_any(training, "solution versions training on its dataset group", dataset)
    store.start_delete(dataset, "dataset")
    return {}


def seed_dataset_group(store: Store, name: str, *, with_interactions: bool) -> str:
    """An ACTIVE dataset group (and an interactions dataset with an ACTIVE import job)."""
    now = store.now()
    dg = store.arn("dataset-group", name)
    store.ensure_new(dg)
    store.add("dataset-group", dg, name, now, now, {"domain": None})
    if with_interactions:
        schema = store.arn("schema", f"{name}-interactions")
        if store.find(schema) is None:
            store.add("schema", schema, f"{name}-interactions", now, now, {"schema": "{}"})
        ds = dataset_arn(store, name, "INTERACTIONS")
        data: JSON = {"datasetGroupArn": dg, "schemaArn": schema, "datasetType": "INTERACTIONS"}
        store.add("dataset", ds, f"{name}-interactions", now, now, data, parent=dg)
        job = store.arn("dataset-import-job", f"{name}-import")
        source = {"dataLocation": "s3://bucket/interactions.csv"}
        data = {"datasetArn": ds, "jobName": f"{name}-import", "importMode": "FULL", "dataSource": source}
        store.add("dataset-import-job", job, f"{name}-import", now, now, data, parent=ds)
    return dg


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateDatasetGroup": create_dataset_group,
    "DescribeDatasetGroup": describe_dataset_group,
    "ListDatasetGroups": list_dataset_groups,
    "DeleteDatasetGroup": delete_dataset_group,
    "CreateSchema": create_schema,
    "DescribeSchema": describe_schema,
    "ListSchemas": list_schemas,
    "DeleteSchema": delete_schema,
    "CreateDataset": create_dataset,
    "DescribeDataset": describe_dataset,
    "ListDatasets": list_datasets,
    "DeleteDataset": delete_dataset,
}
