"""Forms of the materials library. Files are checked by ``core.uploads`` (type and size), as
evidence files are."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pumpurs.core.uploads import clean_upload
from pumpurs.people.models import Municipality
from pumpurs.prevention.models import Audience, Language
from pumpurs.risk.models import RiskGroup


class LibraryFilterForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=[("", _("any")), *RiskGroup.choices])
    audience = forms.ChoiceField(label=_("Audience"), required=False, choices=[("", _("any")), *Audience.choices])
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[("", _("any")), *Language.choices])


class _Source(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPG or PNG, at most 10 MB)"), required=False)
    url = forms.URLField(label=_("or a link"), required=False, assume_scheme="https")

    def clean_file(self) -> UploadedFile[Any] | None:
        return clean_upload(self.cleaned_data.get("file"))


class MaterialForm(_Source):
    municipality = forms.ModelChoiceField(
        label=_("Whose material"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("— the national team's —"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    topics = forms.MultipleChoiceField(
        label=_("Risk groups it serves"), choices=RiskGroup.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    field_order = ["municipality", "title", "description", "language", "audience", "topics", "file", "url"]

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], national: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = municipalities
        if not national:
            field.required = True
            field.empty_label = None


class VersionForm(_Source):
    note = forms.CharField(label=_("What changed"), max_length=300)
