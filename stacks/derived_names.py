"""Names derived from others: a config name's logical-id form (`pascal`) and a short hash that
changes exactly when the content does (`content_hash`)."""

import hashlib


def pascal(name: str) -> str:
    """`user-personalization` → `UserPersonalization` (logical ids allow only [A-Za-z0-9])."""
    parts = [p for p in "".join(c if c.isalnum() else " " for c in name).split() if p]
    return "".join(p[0].upper() + p[1:] for p in parts)


def content_hash(*parts: str | bytes, length: int = 8) -> str:
    """Short sha256 of the content: a name that changes exactly when the content does."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:length]
