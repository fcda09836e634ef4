"""The handlers' log: stdlib `logging`, each record carrying the request it serves as fields.

The functions log in Lambda's JSON format (`LoggingConfig.LogFormat: JSON`, `stacks/provider.py`).
Lambda's Python runtime then writes each record as one JSON object: `timestamp`, `level`,
`message`, `logger`, `requestId`, and every attribute of the record that is not a standard
`LogRecord` one (what `extra=` or a filter sets) as a top-level key of its own
(https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html#python-logging-advanced; the
runtime's formatter is `JsonFormatter.format` in aws/aws-lambda-python-runtime-interface-client,
`awslambdaric/lambda_runtime_log_utils.py`). `RequestFields` sets `logicalId`, `requestType`
and `physicalId` on every record of `LOGGER`, so one Logs Insights query follows a resource
through a deploy (docs/operate.md).

Embedded-metric lines do not go through here (`Deps.metric` prints them): CloudWatch extracts
metrics from a log event whose root object holds `_aws`
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html);
inside a JSON log record the line would be the string value of `message`, and no metric would be
extracted.
"""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Final

from lambda_handlers.events import Event

LOGICAL_ID: Final = "logicalId"
REQUEST_TYPE: Final = "requestType"
PHYSICAL_ID: Final = "physicalId"
FIELDS: Final = (LOGICAL_ID, REQUEST_TYPE, PHYSICAL_ID)

LOGGER: Final = logging.getLogger("personalize_cdk")

_NONE: Final[Mapping[str, str]] = MappingProxyType({})
_serving: ContextVar[Mapping[str, str]] = ContextVar("personalize_cdk_request", default=_NONE)


class RequestFields(logging.Filter):
    """Sets the fields of the request being served (`serving`) on each record; none outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _serving.get().items():
            setattr(record, key, value)
        return True


LOGGER.addFilter(RequestFields())


@contextmanager
def serving(event: Event, *, physical_id: str | None = None) -> Iterator[None]:
    """Records logged inside carry the event's fields; `physical_id` overrides the event's (onEvent's
    answer, e.g. a Create's new id)."""
    fields = {
        LOGICAL_ID: event.logical_id,
        REQUEST_TYPE: event.request_type,
        PHYSICAL_ID: event.physical_id if physical_id is None else physical_id,
    }
    token = _serving.set(MappingProxyType(fields))
    try:
        yield
    finally:
        _serving.reset(token)


def info(message: str) -> None:
    """One record at INFO (the functions' `ApplicationLogLevel`): what `default_deps` logs with."""
    LOGGER.info(message)


def error(message: str) -> None:
    """One record at ERROR: why a request failed (`Deps.failed`)."""
    LOGGER.error(message)
