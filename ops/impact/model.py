"""The report's vocabulary: one Change per line, its kind in Personalize's terms."""

from dataclasses import dataclass
from typing import Final

RETRAIN: Final = "retrain"
REPLACE: Final = "replace"
DELETE: Final = "delete"
CREATE: Final = "create"
UPDATE: Final = "update in place"
NO_CHANGE: Final = "no change"

# Kinds that make the exit code 2 (a pipeline may require an extra approval).
NOTABLE: Final = (RETRAIN, REPLACE, DELETE)
ORDER: Final = (RETRAIN, REPLACE, DELETE, CREATE, UPDATE, NO_CHANGE)


@dataclass(frozen=True)
class Change:
    kind: str
    text: str

    def line(self) -> str:
        return f"- **{self.kind}**: {self.text}"


Resources = dict[str, dict[str, object]]
