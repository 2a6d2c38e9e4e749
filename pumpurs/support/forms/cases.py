"""The case pages: filter, open, consent, team, contacts, close."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Guardian, Pupil
from pumpurs.support.forms.common import _date_input, _user_choices, clean_upload
from pumpurs.support.models import Case, CloseReason, Consent, ContactEntry, TeamMember

PUPIL = "pupil"


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("any")), *Case.Status.choices],
    )


class CaseOpenForm(forms.Form):
    """A case by hand needs a reason; from a flag or questionnaire the origin is named instead."""

    flag = forms.UUIDField(required=False, widget=forms.HiddenInput)
    assessment = forms.UUIDField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why does the pupil need support?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("flag") and not data.get("assessment") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the pupil needs support."))
        return data


class ConsentForm(forms.Form):
    given_by = forms.ChoiceField(label=_("Given by"))
    given_on = forms.DateField(label=_("Given on"), widget=_date_input())
    method = forms.ChoiceField(label=_("How"), choices=Consent.Method.choices)
    document = forms.FileField(
        label=_("Scanned document (optional)"),
        required=False,
        help_text=_("PDF, JPG or PNG, at most 10 MB."),
    )

    def __init__(self, *args: Any, guardians: Sequence[Guardian], pupil: Pupil, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"given_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.guardians = {str(g.public_id): g for g in guardians}
        choices = [
            (key, f"{g.first_name} {g.last_name} ({g.get_relation_display()})") for key, g in self.guardians.items()
        ]
        choices.append((PUPIL, str(_("the pupil (of age)"))))
        field = self.fields["given_by"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_document(self) -> UploadedFile[Any] | None:
        return clean_upload(self.cleaned_data.get("document"))

    def chosen_guardian(self) -> Guardian | None:
        return self.guardians.get(self.cleaned_data["given_by"])


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=_date_input())
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TeamMemberForm(forms.Form):
    user = forms.ChoiceField(label=_("Colleague"))
    role = forms.ChoiceField(label=_("Role in the team"), choices=TeamMember.Role.choices)

    def __init__(self, *args: Any, staff: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {str(u.public_id): u for u in staff}
        field = self.fields["user"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *_user_choices(staff)]

    def chosen_member(self) -> Any:
        return self.staff[self.cleaned_data["user"]]


class ContactForm(forms.Form):
    happened_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    channel = forms.ChoiceField(label=_("How"), choices=ContactEntry.Channel.choices)
    guardian = forms.ChoiceField(label=_("With"), required=False)
    summary = forms.CharField(label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    sensitive = forms.BooleanField(
        label=_("Sensitive (health or family situation): only colleagues allowed to read such notes see it"),
        required=False,
    )

    def __init__(self, *args: Any, guardians: Sequence[Guardian], may_sensitive: bool, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"happened_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.guardians = {str(g.public_id): g for g in guardians}
        field = self.fields["guardian"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("the family")),
            *((k, f"{g.first_name} {g.last_name}") for k, g in self.guardians.items()),
        ]
        if not may_sensitive:
            del self.fields["sensitive"]

    def chosen_guardian(self) -> Guardian | None:
        return self.guardians.get(self.cleaned_data.get("guardian") or "")


class CaseReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the case reopened?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseCloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is the case closed?"), choices=[("", "—"), *CloseReason.choices])
