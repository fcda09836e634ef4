"""Amazon Personalize on 127.0.0.1, speaking AWS JSON 1.1 like the real endpoint.

`FakePersonalizeServer` serves a `FakePersonalize` (state and rules live in the
`simulation.personalize` package; its public names are re-exported here) to any unmodified boto3 client:

    with FakePersonalizeServer(FakePersonalize(clock)) as server:
        client = server.client()  # or boto3.client(..., endpoint_url=server.endpoint_url)
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config

from simulation.clock import VirtualClock
from simulation.personalize import (
    ACTIVE,
    DEFAULT_METRICS,
    FAILED,
    IN_PROGRESS,
    PENDING,
    STOPPED,
    STOPPING,
    AnswerLost,
    Call,
    Durations,
    FakePersonalize,
    InvalidAnswerError,
    Limits,
    PersonalizeError,
)

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

__all__ = [
    "ACTIVE",
    "DEFAULT_METRICS",
    "FAILED",
    "IN_PROGRESS",
    "PENDING",
    "STOPPED",
    "STOPPING",
    "AnswerLost",
    "Call",
    "Durations",
    "FakePersonalize",
    "FakePersonalizeServer",
    "Limits",
    "PersonalizeError",
]

RetryMode = Literal["standard", "legacy", "adaptive"]
TARGET_PREFIX = "AmazonPersonalize."
CONTENT_TYPE = "application/x-amz-json-1.1"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakePersonalize
    request_ids: itertools.count[int]
    open_connections: set[socket.socket]


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as the real endpoint: a client's pooled connection, and this server's thread
    # for it, serve many calls (a third less CPU a call than a TCP connect and a thread each).
    protocol_version = "HTTP/1.1"
    # The status line and headers, then the body, are two writes; with Nagle's algorithm the
    # second waits for the client's delayed ACK (measured: a first deploy took 11.6 s, not 1 s).
    disable_nagle_algorithm = True
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        self.server.open_connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target", "")
        if self.path != "/" or not target.startswith(TARGET_PREFIX):
            self._error(PersonalizeError("UnknownOperationException", f"Unknown target {target!r}"))
            return
        try:
            params: Any = json.loads(body) if body.strip() else {}
        except ValueError as e:
            self._error(PersonalizeError("SerializationException", f"Malformed JSON body: {e}"))
            return
        try:
            result = self.server.fake.call(target.removeprefix(TARGET_PREFIX), params)
        except PersonalizeError as e:
            self._error(e)
            return
        except AnswerLost:
            self.close_connection = True  # no status line: the client sees the connection drop
            return
        except InvalidAnswerError as e:  # recorded by the fake; the server's exit fails the test
            self._send(500, {"__type": "FakeInvalidAnswer", "message": str(e)})
            return
        self._send(200, result)

    def _error(self, error: PersonalizeError) -> None:
        self._send(error.status, {"__type": error.code, "message": error.message})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        request_id = f"00000000-0000-4000-8000-{next(self.server.request_ids):012d}"
        self.send_header("x-amzn-RequestId", request_id)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake's call log is the record."""


class FakePersonalizeServer:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> in a daemon thread (context manager)."""

    def __init__(self, fake: FakePersonalize | None = None, clock: VirtualClock | None = None):
        self.fake = fake or FakePersonalize(clock)
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the server is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakePersonalizeServer:
        http = _HTTPServer(("127.0.0.1", 0), _Handler)
        http.fake = self.fake
        http.request_ids = itertools.count(1)
        http.open_connections = set()
        self._http = http
        self._thread = threading.Thread(
            target=http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        self.fake.endpoint_url = self.endpoint_url
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            for connection in list(self._http.open_connections):  # ends their threads' reads
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._http = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.fake.endpoint_url = None

    def __enter__(self) -> FakePersonalizeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc is None and self.fake.invalid_answers:
            raise InvalidAnswerError(
                f"the fake answered {len(self.fake.invalid_answers)} time(s) outside botocore's output "
                f"shapes, first: {self.fake.invalid_answers[0]}"
            )

    def client(self, *, max_attempts: int = 1, mode: RetryMode = "standard") -> PersonalizeClient:
        """A boto3 client at this server; `max_attempts` counts the first try (1 = no retry)."""
        return make_client(self.endpoint_url, max_attempts=max_attempts, mode=mode)


def make_client(
    endpoint_url: str, *, max_attempts: int = 1, mode: RetryMode = "standard"
) -> PersonalizeClient:
    """boto3 Personalize client with dummy credentials pointed at a fake endpoint."""
    return boto3.client(
        "personalize",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"mode": mode, "total_max_attempts": max_attempts}),
    )
