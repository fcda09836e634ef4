"""Batch jobs (Custom::PersonalizeBatchJob, link 0): which deploy runs one, and what it bills.

A job runs when it is new, or when its trigger, its input or its solution's trained version
changes (`lambda_handlers/batch_job.py`); removing one deletes nothing (no API deletes a job,
its output stays in the data bucket).
"""

from typing import Any

from lambda_handlers import constants, contract
from ops.chain import chain_holding
from ops.impact import prices
from ops.impact.custom import spec
from ops.impact.model import CREATE, DELETE, NO_CHANGE, UPDATE, Change
from ops.impact.template import short_name
from ops.template import of_type, refs


def jobs(resources: dict[str, Any]) -> dict[str, contract.BatchJob]:
    """Link 0 of every batch job (the links after it run nothing), by logical id."""
    found = {
        lid: spec(contract.BatchJob, res) for lid, res in of_type(resources, constants.BATCH_JOB_TYPE).items()
    }
    return {lid: job for lid, job in found.items() if job.link_index == 0}


def _solution(resources: dict[str, Any], job: contract.BatchJob) -> str | None:
    """Logical id of the solution whose training chain the job reads its version from."""
    arn = job.solution_version_arn
    for lid in refs(arn.value if isinstance(arn, contract.Intrinsic) else arn):
        chain = chain_holding(resources, lid)
        if chain is not None:
            return chain.solution
    return None


def classify(
    base: dict[str, Any], head: dict[str, Any], project: str | None, retrained: set[str]
) -> list[Change]:
    old, new = jobs(base), jobs(head)
    changes: list[Change] = []
    for lid in dict.fromkeys([*old, *new]):
        job = new.get(lid) or old[lid]
        name = f"batch job {short_name(job.job_prefix, project)} ({job.kind})"
        if lid not in new:
            changes.append(
                Change(DELETE, f"{name} removed: nothing deleted (jobs cannot be), its output stays")
            )
        elif lid not in old:
            changes.append(
                Change(CREATE, f"{name} created: runs once, trigger {job.trigger}; {prices.BATCH_LINE}")
            )
        else:
            before = old[lid]
            why = [
                f"trigger {before.trigger} → {job.trigger}" if before.trigger != job.trigger else "",
                "new input file" if before.input_version != job.input_version else "",
                "its solution retrains" if _solution(head, job) in retrained else "",
            ]
            reasons = ", ".join(w for w in why if w)
            changes.append(
                Change(UPDATE, f"{name} runs again ({reasons}); {prices.BATCH_LINE}")
                if reasons
                else Change(NO_CHANGE, name)
            )
    return changes
