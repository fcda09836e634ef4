"""How big one S3 copy call may be, and how long its client waits for the answer.

A server-side copy answers only when the copy is done: CopyObject's reference says "You must stay
connected to Amazon S3 until the entire response is successfully received", and that S3 "might
cancel the copy" when the client disconnects (botocore's S3 model, CopyObject documentation;
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html). Unlike
CompleteMultipartUpload, whose page says S3 sends white space to keep the connection open, no
such promise is made for CopyObject or UploadPartCopy. So the copy client's read timeout must
cover the largest copy allowed in one call; the handlers' shared client (10 s) does not.

S3's limits (documented):
- CopyObject copies at most 5 GB in one call (API_CopyObject.html, above);
- a multipart part is 5 MiB to 5 GiB, at most 10,000 parts per upload
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).

The copy rate is an ASSUMPTION: no AWS page states how fast S3 copies server-side. We assume
`COPY_RATE` = 10 MiB/s per call, several times below what same-region copies are commonly
reported to reach, and wait `MARGIN` times longer than it predicts.

Arithmetic (bench section 6 prints it; tests/unit/test_copy_limits.py checks it):
- a copy call may take `CALL_BYTES / COPY_RATE` = 256 MiB / 10 MiB/s = 25.6 s;
- read timeout `COPY_READ_TIMEOUT` = ceil(25.6 x 1.5) = 39 s;
- worst case of one call, `COPY_ATTEMPTS` (2) attempts with `CONNECT_TIMEOUT` (3 s) each and
  botocore's backoff before the retry (at most 1 s, + 5 s when S3 sends retry-after):
  2 x (3 + 39) + 6 = 90 s, inside the handler's 120 s Lambda timeout with 30 s for its
  other calls (each milliseconds).
- the largest file copied: 10,000 parts x 256 MiB = 2,500 GiB (larger is refused).
"""

from __future__ import annotations

import math
from typing import Final

MIB: Final = 1024 * 1024
GIB: Final = 1024 * MIB
GB: Final = 10**9

# S3's documented limits (module docstring).
COPY_OBJECT_MAX: Final = 5 * GB
PART_MIN: Final = 5 * MIB
PART_MAX: Final = 5 * GIB
MAX_PARTS: Final = 10_000

# The assumption and its margin (module docstring).
COPY_RATE: Final = 10 * MIB  # bytes per second per copy call: ASSUMED, no AWS page states one
MARGIN: Final = 1.5

# Chosen from the above: the largest copy one call makes (one CopyObject, or one part).
CALL_BYTES: Final = 256 * MIB
SINGLE_COPY_MAX: Final = CALL_BYTES  # above it, a multipart copy of CALL_BYTES parts
PART_SIZE: Final = CALL_BYTES
LARGEST_FILE: Final = MAX_PARTS * PART_SIZE

CONNECT_TIMEOUT: Final = 3
COPY_ATTEMPTS: Final = 2  # one retry: the key is content-addressed, a repeated copy writes the same bytes
RETRY_BACKOFF_MAX: Final = 1 + 5  # botocore standard mode before retry 1, + retry-after (deps docstring)
COPY_READ_TIMEOUT: Final = math.ceil(CALL_BYTES / COPY_RATE * MARGIN)


def worst_call_seconds() -> int:
    """The longest one copy call can take, every attempt timing out."""
    return COPY_ATTEMPTS * (CONNECT_TIMEOUT + COPY_READ_TIMEOUT) + RETRY_BACKOFF_MAX
