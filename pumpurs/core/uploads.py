"""Uploaded documents (scanned consents, delivery evidence, materials of the library), both halves
written once for every app:

- ``clean_upload``, the one check: PDF, JPEG or PNG by name *and* by its first bytes, at most
  10 MB. A renamed file of another kind is refused. Forms of every app call it.
- ``attach_on_commit``, the one way a service stores it: the file is written when its row commits
  (decision 0027, extended to every upload by decision 0042). Written inside the transaction, a
  refusal after the write or a caller's transaction failing later left an orphan on disk.
"""

from __future__ import annotations

from functools import partial
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Extension → the bytes such a file starts with (a renamed file of another kind is refused).
ALLOWED_UPLOADS = {".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG",)}


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


def attach_on_commit(instance: models.Model, field: str, upload: File[Any], *, folder: str) -> str:
    """Give ``instance``'s file field ``field`` the upload, written to storage only once the
    surrounding transaction commits; returns the name the row holds. Call it before the row is
    saved, inside the service's transaction.

    The name is fixed now, in a folder no other row uses (``folder``: the row's public id), so
    the name saved in the row is the name the file gets. The bytes are kept (at most 10 MB,
    ``clean_upload``): the upload may be closed by the time the outermost transaction commits. A
    rolled-back transaction never runs its callbacks, so it leaves no file behind. The remaining
    risk, a write failing after the commit, leaves a row whose download answers 404 rather than a
    file no row references."""
    field_file = getattr(instance, field)
    base = PurePosixPath(upload.name or field).name
    name = field_file.field.generate_filename(instance, f"{folder}/{base}")
    field_file.name = name  # a plain name: the field's pre_save writes nothing
    upload.seek(0)
    transaction.on_commit(partial(_write_file, field_file.storage, name, ContentFile(upload.read())))
    return str(name)


def _write_file(storage: Storage, name: str, content: ContentFile[bytes]) -> None:
    """Write a committed row's upload under the name the row holds."""
    saved = storage.save(name, content)
    if saved != name:  # only if the row's own folder already held the file
        raise RuntimeError(f"upload written as {saved}, not {name}")
