"""Header names: canonical English snake_case, with Latvian aliases, matched case- and accent-insensitively."""

from __future__ import annotations

import re
import unicodedata


def normalise_header(raw: str) -> str:
    """``"Personas kods"`` → ``"personas_kods"``; ``"Vārds"`` → ``"vards"``; BOM and quotes dropped."""
    text = raw.replace("\ufeff", "").strip().strip('"').strip()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")
