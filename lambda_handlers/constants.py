"""Names shared by the CDK constructs and the Lambda handlers.

The constructs write these names into the template and the handlers read them back from the
CloudFormation event, so both sides import them from here and nothing is spelled twice.
Custom resource property values always arrive as strings: what each property holds, its type,
default and encoding, is the resource's contract (`lambda_handlers/contract/`).
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

# Property of Custom::PersonalizeSolution and Custom::PersonalizeCampaign: "true" (removal_policy
# retain) = the stack's own delete leaves the resource (`kernel.deletion.on_delete`).
RETAIN_ON_STACK_DELETE: Final = "RetainOnStackDelete"


class SolutionProps:
    """ResourceProperties of Custom::PersonalizeSolution."""

    NAME: Final = "Name"
    DATASET_GROUP_ARN: Final = "DatasetGroupArn"
    RECIPE_ARN: Final = "RecipeArn"
    EVENT_TYPE: Final = "EventType"  # "" = none
    SOLUTION_CONFIG: Final = "SolutionConfig"  # JSON object, "{}" = none
    PERFORM_HPO: Final = "PerformHPO"  # "true" | "false"
    AUTO_TRAINING_SCHEDULE: Final = "AutoTrainingSchedule"  # "" = auto-training off
    TAGS: Final = "Tags"  # JSON list of {"tagKey", "tagValue"}
    RETAIN_ON_STACK_DELETE: Final = RETAIN_ON_STACK_DELETE
    IMMUTABLE: Final = (DATASET_GROUP_ARN, RECIPE_ARN, EVENT_TYPE, SOLUTION_CONFIG, PERFORM_HPO)


class SolutionVersionProps:
    """ResourceProperties of Custom::PersonalizeSolutionVersion (starts or adopts training)."""

    SOLUTION_ARN: Final = "SolutionArn"
    TRIGGER: Final = "Trigger"
    TRAINING_MODE: Final = "TrainingMode"  # FULL | UPDATE
    GATES: Final = "Gates"  # JSON object metric name -> minimum, or {"min", "max_drop"}
    LINK_SECONDS: Final = "LinkSeconds"  # how long this link may wait before handing over
    TAGS: Final = "Tags"
    # Optional (added by the handlers' author): config name for the metric dimension and
    # messages, as on the wait links; without it the name is read from SolutionArn.
    SOLUTION_NAME: Final = "SolutionName"


class TrainingWaitProps:
    """ResourceProperties of Custom::PersonalizeTrainingWait (one link of the wait chain)."""

    SOLUTION_VERSION_ARN: Final = "SolutionVersionArn"
    TRIGGER: Final = "Trigger"
    TRAINING_MODE: Final = "TrainingMode"
    GATES: Final = "Gates"
    LINK_SECONDS: Final = "LinkSeconds"
    LINK_INDEX: Final = "LinkIndex"  # 1-based; the version resource itself is link 0
    IS_LAST: Final = "IsLast"  # "true" on the last link: its deadline fails the deploy
    MAX_WAIT_MINUTES: Final = "MaxWaitMinutes"
    SOLUTION_NAME: Final = "SolutionName"  # config name, for metric dimensions and messages


class CampaignProps:
    """ResourceProperties of Custom::PersonalizeCampaign."""

    NAME: Final = "Name"
    SOLUTION_VERSION_ARN: Final = "SolutionVersionArn"
    MIN_PROVISIONED_TPS: Final = "MinProvisionedTPS"
    CAMPAIGN_CONFIG: Final = "CampaignConfig"  # JSON object in the API's own shape
    TAGS: Final = "Tags"
    RETAIN_ON_STACK_DELETE: Final = RETAIN_ON_STACK_DELETE


class AutoPromotionProps:
    """The checker's input, as its schedule passes it (same codecs as the resources' properties)."""

    SOLUTION_ARN: Final = "SolutionArn"
    SOLUTION_NAME: Final = "SolutionName"  # the config's name: metric dimension and messages
    CAMPAIGN_ARN: Final = "CampaignArn"
    CAMPAIGN_NAME: Final = "CampaignName"  # the config's name: metric dimension
    GATES: Final = "Gates"


class DataCopyProps:
    """ResourceProperties of Custom::PersonalizeDataCopy (one dataset's data file, copied in S3)."""

    SOURCE_BUCKET: Final = "SourceBucket"  # the CDK asset bucket
    SOURCE_KEY: Final = "SourceKey"  # the file asset's object key (`{asset hash}.csv`)
    BUCKET: Final = "Bucket"  # the stack's data bucket
    PREFIX: Final = "Prefix"  # this resource's own prefix, `datasets/{type}/`: it owns what is under it
    KEY: Final = "Key"  # `{Prefix}{asset hash}/{file name}`, under Prefix
    KEEP: Final = "Keep"  # how many copies stay under Prefix: the current one and the newest others
    RETAIN_ON_DELETE: Final = "RetainOnDelete"  # "true": Delete leaves the copies (removal_policy retain)


class BatchJobProps:
    """ResourceProperties of Custom::PersonalizeBatchJob (link 0 runs the job, links 1.. wait for it)."""

    KIND: Final = "Kind"  # recommendations (CreateBatchInferenceJob) | segments (CreateBatchSegmentJob)
    JOB_PREFIX: Final = "JobPrefix"  # `{project}-{name}`: job names start with it
    SOLUTION_VERSION_ARN: Final = "SolutionVersionArn"  # the last training link's: gated
    INPUT: Final = "Input"  # s3://bucket/key of the input file
    INPUT_VERSION: Final = "InputVersion"  # content hash of a staged file, or of the s3:// URI
    BUCKET: Final = "Bucket"  # the stack's data bucket: output under OUTPUT_ROOT
    OUTPUT_ROOT: Final = "OutputRoot"  # `batch/{name}/`: output goes to `{root}{trigger}/{version id}/`
    TRIGGER: Final = "Trigger"
    NUM_RESULTS: Final = "NumResults"  # "" = the API's default
    FILTER_ARN: Final = "FilterArn"  # "" = none
    ROLE_ARN: Final = "RoleArn"  # the role Personalize assumes to read the input and write the output
    TAGS: Final = "Tags"
    LINK_SECONDS: Final = "LinkSeconds"
    LINK_INDEX: Final = "LinkIndex"  # 0 runs the job; 1.. wait for the job named by JOB_ARN
    IS_LAST: Final = "IsLast"
    MAX_WAIT_MINUTES: Final = "MaxWaitMinutes"
    JOB_ARN: Final = "JobArn"  # links 1..: the previous link's JobArn


class DatasetImportProps:
    """ResourceProperties of Custom::PersonalizeDatasetImport (link 0 imports, later links wait)."""

    DATASET_ARN: Final = "DatasetArn"
    DATA_LOCATION: Final = "DataLocation"  # s3://bucket/key Personalize reads
    DATA_VERSION: Final = "DataVersion"  # short content hash of the file: part of every job name
    JOB_PREFIX: Final = "JobPrefix"  # `{project}-{type}`: job names are `{JobPrefix}-{DataVersion}-{attempt}`
    ROLE_ARN: Final = "RoleArn"  # the role Personalize assumes to read DataLocation (passed)
    IMPORT_MODE: Final = "ImportMode"  # FULL | INCREMENTAL (the first import is FULL whatever)
    TAGS: Final = "Tags"
    DATASET_IMPORT_JOB_ARN: Final = "DatasetImportJobArn"  # links 1..n: the previous link's job
    LINK_SECONDS: Final = "LinkSeconds"
    LINK_INDEX: Final = "LinkIndex"  # 0 starts (or finds) the import; later links only wait
    IS_LAST: Final = "IsLast"
    MAX_WAIT_MINUTES: Final = "MaxWaitMinutes"
    # "true": publishAttributionMetricsToS3 (absent = false; only metric_attribution.s3_reports sets it)
    PUBLISH_ATTRIBUTION_METRICS: Final = "PublishAttributionMetricsToS3"


class MetricAttributionProps:
    """ResourceProperties of Custom::PersonalizeMetricAttribution (the dataset group's one)."""

    NAME: Final = "Name"
    DATASET_GROUP_ARN: Final = "DatasetGroupArn"
    METRICS: Final = "Metrics"  # JSON list of {"eventType", "metricName", "expression"}, sorted by name
    ROLE_ARN: Final = "RoleArn"  # metricsOutputConfig.roleArn
    S3_PATH: Final = "S3Path"  # "" = CloudWatch only; else s3://bucket/prefix/ for bulk-import reports


class TagsProps:
    """ResourceProperties of Custom::PersonalizeTags (the config's tags on native resources whose
    CloudFormation `Tags` is create-only)."""

    RESOURCE_ARNS: Final = "ResourceArns"  # space-separated ARNs
    TAGS: Final = "Tags"
    RETAIN_ON_STACK_DELETE: Final = RETAIN_ON_STACK_DELETE


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
# A campaign adopted before `STATE_WHEN_ADOPTED_TAG` existed carries the version ARN it served
# when adopted: its release moves it back there first (read, no longer written).
SERVED_WHEN_ADOPTED_TAG: Final = "personalize-cdk:served-when-adopted"
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
