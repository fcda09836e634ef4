"""Names shared by the CDK constructs and the Lambda handlers: resource types, GetAtt keys, tags.

The constructs write these names into the template and the handlers read them back, so both
sides import them from here and nothing is spelled twice. Custom resource *property* names are
not here: each is stated once, with its codec and default, on its resource's contract
(`lambda_handlers/contract/`).
"""

from typing import Final

# ---- Custom resource types (template `Type`) -------------------------------------------------
SOLUTION_TYPE: Final = "Custom::PersonalizeSolution"
SOLUTION_VERSION_TYPE: Final = "Custom::PersonalizeSolutionVersion"
TRAINING_WAIT_TYPE: Final = "Custom::PersonalizeTrainingWait"
CAMPAIGN_TYPE: Final = "Custom::PersonalizeCampaign"
DATA_COPY_TYPE: Final = "Custom::PersonalizeDataCopy"
BATCH_JOB_TYPE: Final = "Custom::PersonalizeBatchJob"
DATASET_IMPORT_TYPE: Final = "Custom::PersonalizeDatasetImport"
TAGS_TYPE: Final = "Custom::PersonalizeTags"
METRIC_ATTRIBUTION_TYPE: Final = "Custom::PersonalizeMetricAttribution"
RESOURCE_TYPES: Final = (
    SOLUTION_TYPE,
    SOLUTION_VERSION_TYPE,
    TRAINING_WAIT_TYPE,
    CAMPAIGN_TYPE,
    DATA_COPY_TYPE,
    BATCH_JOB_TYPE,
    DATASET_IMPORT_TYPE,
    TAGS_TYPE,
    METRIC_ATTRIBUTION_TYPE,
)


# Environment variable of the handler functions: their own stack's id (`AWS::StackId`). They refuse
# events of any other stack (`entry.py`) and read only that stack (`kernel.stack`).
STACK_ID_ENV: Final = "STACK_ID"


class Attr:
    """Keys of the Data the handlers return (read with GetAtt)."""

    SOLUTION_ARN: Final = "SolutionArn"
    SOLUTION_VERSION_ARN: Final = "SolutionVersionArn"
    STATUS: Final = "Status"
    ADOPTED: Final = "Adopted"
    STARTED_AT: Final = "StartedAt"  # epoch seconds of onEvent: deadlines count from it
    # A rollback Update of a cancelled rename: what the cancelled update made under the name it
    # leaves (onEvent decides from the physical id CloudFormation sent; isComplete deletes it).
    ORPHAN_ARN: Final = "OrphanArn"
    SUMMARY: Final = "Summary"  # JSON with fixed keys, see SUMMARY_KEYS
    CAMPAIGN_ARN: Final = "CampaignArn"
    DATA_LOCATION: Final = "DataLocation"  # s3://bucket/key of the copied data file
    UPLOAD_ID: Final = "UploadId"  # multipart copy in progress ("" = copied by onEvent)
    SIZE: Final = "Size"  # bytes of the data file
    JOB_ARN: Final = "JobArn"  # a batch inference or batch segment job
    OUTPUT_LOCATION: Final = "OutputLocation"  # s3://bucket/batch/{name}/{trigger}/{version id}/
    DATASET_IMPORT_JOB_ARN: Final = "DatasetImportJobArn"
    IMPORT_MODE: Final = "ImportMode"  # the mode the job was created with (FULL on a first import)
    METRIC_ATTRIBUTION_ARN: Final = "MetricAttributionArn"


SUMMARY_KEYS: Final = ("solutionVersionArn", "trainingMode", "trigger", "metrics", "trainedAt")

# Physical ids of resources that existed before the stack and were taken over start with this:
# Delete then releases them instead of deleting (the only state a Delete event carries).
ADOPTED_PREFIX: Final = "adopted:"

# Solution version names carry the trigger so a version can be recognised later.
VERSION_NAME_PREFIX: Final = "cdk"
# A notebook (MANUAL, not `cdk-`) version adopted for a trigger carries this tag with the
# version name it stands for, so later events recognise it as ours (trigger changes, rollbacks).
ADOPTED_VERSION_TAG: Final = "personalize-cdk:version-name"
# Every solution, version and campaign the handlers create carries this tag, value `owner_value`
# (see `ownership.py`): `{stack name}/{LogicalResourceId}`. A Create that meets an existing resource
# carrying this stack's and this resource's value made it itself (a duplicated Create event, or a
# retried deploy): it keeps the plain ARN and deletes it later instead of adopting and releasing.
OWNER_TAG: Final = "personalize-cdk:owner"
# Every tag key this app writes for itself starts with this: the config's tags never touch them.
OWN_TAG_PREFIX: Final = "personalize-cdk:"
# An adopted solution or campaign carries what the stack will change, recorded before the first
# change (written once): `ADOPTED_BY_TAG` = the owner value (`ownership.Owner.value`) of the resource
# that adopted it, and `STATE_WHEN_ADOPTED_TAG` (+ `-2`, `-3`... when longer than one tag value) =
# base64 of the JSON of that state. Its release (stack delete, rollback of the adopting deploy, a
# rename's cleanup) restores that state, then removes every tag the stack added (`kernel.adoption`).
ADOPTED_BY_TAG: Final = "personalize-cdk:adopted-by"
STATE_WHEN_ADOPTED_TAG: Final = "personalize-cdk:state-when-adopted"
# The last wait link tags a version it gave up waiting for (max_wait_minutes spent): the
# rollback's Delete of that version then leaves it training instead of stopping it, so the next
# deploy with the same trigger picks it up as its failure message promises.
KEEP_TRAINING_TAG: Final = "personalize-cdk:outlived-deploy"
# A version whose training this app started while the solution's campaigns served another
# version carries this tag, value = that version's ARN (the champion, set at
# CreateSolutionVersion): every wait link compares the version with it (gates' `max_drop`).
CHAMPION_TAG: Final = "personalize-cdk:champion"
# The scheduled checker (`auto_promotion.py`) records on the campaign, as tags the read-only
# drift role can read: the automatic version it promoted (a deploy never moves the campaign back
# from it to an older version), its last decision (`{outcome} {version ARN}`) and how many
# automatic versions in a row it held.
PROMOTED_TAG: Final = "personalize-cdk:promoted"
DECISION_TAG: Final = "personalize-cdk:auto-decision"
HOLDS_TAG: Final = "personalize-cdk:auto-holds"

# Timing of the wait chain. The Provider answers CloudFormation within TOTAL_TIMEOUT; each
# link hands over LINK_MARGIN before it so a slow poll or a cold start cannot cross the wall.
PROVIDER_TOTAL_TIMEOUT_SECONDS: Final = 3600
QUERY_INTERVAL_SECONDS: Final = 30
LINK_MARGIN_SECONDS: Final = 300
LINK_SECONDS: Final = PROVIDER_TOTAL_TIMEOUT_SECONDS - LINK_MARGIN_SECONDS
# How long a delete waits out ResourceInUse (a version stopping, a campaign update ending) before
# it fails naming what holds the resource: well inside the Provider's timeout, well past the
# minutes a stopping version or a campaign update takes.
DELETE_IN_USE_SECONDS: Final = 900
# The onEvent and isComplete Lambdas' timeout (stacks/provider.py). Also how long a cancelled
# onEvent that had started may still create something (`kernel.deletion.late_create_budget`).
HANDLER_TIMEOUT_SECONDS: Final = 120

# Embedded-metric namespace the handlers log solution metrics under (dashboard reads it).
METRICS_NAMESPACE: Final = "PersonalizeCdk/SolutionMetrics"
# The checker's decisions (EMF, dimensions Solution and Campaign: the config's names); the
# alarm watches CONSECUTIVE_HOLDS_METRIC.
PROMOTION_NAMESPACE: Final = "PersonalizeCdk/AutoPromotion"
PROMOTED_METRIC: Final = "Promoted"
HELD_METRIC: Final = "Held"
CONSECUTIVE_HOLDS_METRIC: Final = "ConsecutiveHolds"
# How often the checker looks for a new automatic version (EventBridge Scheduler): a promotion
# follows an automatic version within a day, whatever the auto-training period.
CHECKER_SCHEDULE: Final = "rate(1 day)"
CHECKER_HANDLER: Final = "lambda_handlers.scheduled.check_auto_training"
AUTO_PROMOTION_PAYLOAD: Final = "PersonalizeAutoPromotion"  # the schedule's input, not a resource


class Status:
    """Personalize's statuses, spelled as the API spells them (with spaces)."""

    ACTIVE: Final = "ACTIVE"
    CREATE_FAILED: Final = "CREATE FAILED"
    CREATING: Final = ("CREATE PENDING", "CREATE IN_PROGRESS")  # a version in these is training
    STOPPED: Final = ("CREATE STOPPING", "CREATE STOPPED")
    DELETING: Final = ("DELETE PENDING", "DELETE IN_PROGRESS")
    # Batch inference and batch segment jobs (botocore's BatchInferenceJob / BatchSegmentJob
    # `status` documentation): PENDING, IN PROGRESS, ACTIVE, CREATE FAILED.
    BATCH_RUNNING: Final = ("PENDING", "IN PROGRESS")
    # A dataset import job: CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED (botocore's
    # model, DatasetImportJob.status; tests/unit/test_dataset_import.py reads it from there).
    IMPORT_JOB: Final = ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "CREATE FAILED")
