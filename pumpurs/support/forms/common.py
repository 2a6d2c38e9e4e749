"""What the support forms share: uploaded files (checked by ``core.uploads``, as every app's),
date inputs, colleague choices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from pumpurs.core.uploads import ALLOWED_UPLOADS, MAX_UPLOAD_BYTES, clean_upload

__all__ = ["ALLOWED_UPLOADS", "MAX_UPLOAD_BYTES", "clean_upload"]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _user_choices(users: Iterable[Any]) -> list[tuple[str, str]]:
    return [(str(u.public_id), u.get_full_name() or u.get_username()) for u in users]
