"""Forms of the early-identification pages: they parse and validate; they never write."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import ClassGroup, Institution
from pumpurs.risk import selectors
from pumpurs.risk.models import DismissReason, Level

SORT_CHOICES = [("severity", _("by severity")), ("name", _("by name")), ("class", _("by class"))]


class WatchFilterForm(forms.Form):
    """GET parameters of the watch list: every filtered list has its own address."""

    institution = forms.ChoiceField(label=_("School"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    grade = forms.TypedChoiceField(label=_("Grade"), required=False, coerce=int, empty_value=None)
    # "class" is a keyword: the form field is reached as form["class"].
    level = forms.ChoiceField(
        label=_("Questionnaire level"),
        required=False,
        choices=[("", _("any")), *Level.choices, ("missing", _("no questionnaire"))],
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORT_CHOICES)

    def __init__(
        self,
        data: Any,
        *,
        institutions: list[Institution],
        classes: list[ClassGroup],
        rule_codes: list[str],
    ) -> None:
        super().__init__(data)
        self.choices("institution", [(str(i.public_id), i.name) for i in institutions])
        self.reason_choices(rule_codes)
        grades = sorted({c.grade for c in classes})
        self.choices("grade", [("", _("any")), *((g, str(g)) for g in grades)])
        self.fields["class"] = forms.ChoiceField(
            label=_("Class"),
            required=False,
            choices=[("", _("any")), *((str(c.public_id), c.name) for c in classes)],
        )

    def choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def reason_choices(self, rule_codes: list[str]) -> None:
        self.choices("reason", [("", _("any")), *((c, selectors.rule_label(c)) for c in rule_codes)])

    def watch_filter(self) -> selectors.WatchFilter:
        """The valid parameters; an invalid one is ignored (and shown as an error)."""
        self.is_valid()
        data = self.cleaned_data
        return selectors.WatchFilter(
            reason=data.get("reason") or "",
            grade=data.get("grade"),
            class_id=UUID(data["class"]) if data.get("class") else None,
            level=data.get("level") or "",
            sort=data.get("sort") or "severity",
        )


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Pupils we can support this semester"),
        min_value=0,
        max_value=100_000,
        help_text=_("The watch list marks this many pupils, the most severe first."),
    )


class FlagDecisionForm(forms.Form):
    """One form for the three decisions; the reason code is required to dismiss, a comment to reopen."""

    ACCEPT = "accept"
    DISMISS = "dismiss"
    REOPEN = "reopen"

    action = forms.ChoiceField(choices=[(ACCEPT, ACCEPT), (DISMISS, DISMISS), (REOPEN, REOPEN)])
    reason = forms.ChoiceField(
        label=_("Reason for dismissing"), choices=[("", "—"), *DismissReason.choices], required=False
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.DISMISS and not data.get("reason"):
            self.add_error("reason", _("Choose why the flag is dismissed."))
        if data.get("action") == self.REOPEN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why the flag is reopened."))
        return data


class FairnessScopeForm(forms.Form):
    """GET ``institution=`` or ``municipality=`` (public ids); neither: the user's whole scope."""

    municipality = forms.UUIDField(label=_("Municipality"), required=False)
    institution = forms.UUIDField(label=_("School"), required=False)
