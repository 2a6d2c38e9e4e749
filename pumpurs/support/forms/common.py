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
    """Each person with their job at the school when it is known ("Māris Egle — psihologs")."""
    return [(str(u.public_id), _with_job(u)) for u in users]


def _with_job(user: Any) -> str:
    name = user.get_full_name() or user.get_username()
    jobs = list(
        dict.fromkeys(
            str(grant.get_specialist_kind_display() if grant.specialist_kind else grant.get_role_display())
            for grant in getattr(user, "jobs_here", ())
        )
    )
    return f"{name} — {', '.join(jobs)}" if jobs else name
