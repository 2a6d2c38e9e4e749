"""The upload form: it parses and validates the submission; the services record and run it."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from pumpurs.imports.readers import XLSX_MAGIC
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Institution

# Large enough for a municipality's semester of daily attendance; anything bigger goes through
# `pumpurs import` on the server, which has no request to time out.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ACCEPTED_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx"}

# The register of institutions is national: it is loaded with `pumpurs import institutions`.
KIND_CHOICES = [
    ("pupils", _("Pupils (class lists)")),
    ("attendance", _("Attendance")),
    ("grades", _("Grades")),
    ("incidents", _("Behaviour incidents")),
]
# Staff files are loaded with `pumpurs import staff` by whoever appoints staff (decision 0016).
KIND_LABELS = {"institutions": _("Institutions (register)"), "staff": _("Staff and roles"), **dict(KIND_CHOICES)}
ENCODING_CHOICES = [
    ("", _("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("windows-1257", "Windows-1257"),
]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=KIND_CHOICES)
    # Blank: every school the user may import for — a municipality's file lists pupils of several
    # schools, and each row is then checked against the user's whole scope (issue 13, trap 8).
    institution = forms.ModelChoiceField(
        label=_("School"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("All schools I may import for"),
        help_text=_("Choose all your schools for a file with pupils of several schools."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (separated by commas, semicolons or tabs) or XLSX, at most 200 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding of a CSV file"),
        choices=ENCODING_CHOICES,
        required=False,
        help_text=_("Leave it to be detected unless the letters with diacritics came out wrong."),
    )
    sheet = forms.CharField(
        label=_("XLSX sheet name"),
        max_length=100,
        required=False,
        help_text=_("Leave empty to read the first sheet."),
    )

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = access.institutions_visible_to(user, Perm.IMPORT_DATA).order_by("name")
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = schools
        only = list(schools[:2])
        if len(only) == 1:
            field.initial = only[0].pk

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix == ".xls":
            raise forms.ValidationError(
                _("Old Excel files (.xls) cannot be read: save the sheet as XLSX or CSV and upload that.")
            )
        if suffix not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is larger than 200 MB: split it (for example by month) or ask the administrator to import it on the server."
                )
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None and data.get("sheet"):
            upload.seek(0)
            is_xlsx = upload.read(len(XLSX_MAGIC)) == XLSX_MAGIC
            upload.seek(0)
            if not is_xlsx:
                self.add_error("sheet", _("A sheet name applies to XLSX files only; this file is CSV."))
        return data
