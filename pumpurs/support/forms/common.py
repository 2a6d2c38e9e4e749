"""What the support forms share: uploaded files, date inputs, colleague choices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Extension → the bytes such a file starts with (a renamed file of another kind is refused).
ALLOWED_UPLOADS = {".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG",)}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def clean_upload(upload: UploadedFile[Any] | None) -> UploadedFile[Any] | None:
    """A scanned document or evidence file: PDF, JPEG or PNG, at most 10 MB."""
    if not upload:
        return None
    name = (upload.name or "").lower()
    suffix = name[name.rfind(".") :] if "." in name else ""
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            _("The file is %(size)s MB; the limit is 10 MB.") % {"size": round((upload.size or 0) / 1024 / 1024, 1)}
        )
    if suffix not in ALLOWED_UPLOADS:
        raise forms.ValidationError(_("Upload a PDF, JPG or PNG file."))
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in ALLOWED_UPLOADS[suffix]):
        raise forms.ValidationError(_("The file's content is not a %(kind)s file.") % {"kind": suffix[1:].upper()})
    return upload


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
