"""Forms of the youth call pages: they parse and validate input; ``services`` decides and writes.
Amounts are typed in euros and handed to the services as cents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Municipality, User
from pumpurs.youth.models import Criterion
from pumpurs.youth.money import cents_of
from pumpurs.youth.services import ApplicationInput, Line

CRITERIA_ROWS = 6
BUDGET_ROWS = 8
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _eur(label: Any, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal("0.01"), max_digits=10, decimal_places=2, localize=True
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal, above the form (it names its numbers itself)."""
    form.add_error(None, error)


class CallForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("— national call —"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    opens_on = forms.DateField(label=_("Applications from"), widget=DATE)
    closes_on = forms.DateField(label=_("Applications until"), widget=DATE)
    total = _eur(_("Total amount, EUR"))
    max_per_project = _eur(_("Maximum per project, EUR"))
    eligibility = forms.CharField(label=_("Who may apply"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], national: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = municipalities
        if not national:
            field.required = True
            field.empty_label = None
        for i in range(1, CRITERIA_ROWS + 1):
            self.fields[f"criterion_{i}"] = forms.CharField(
                label=_("Criterion %(n)d") % {"n": i}, max_length=300, required=i == 1
            )
            self.fields[f"weight_{i}"] = forms.IntegerField(
                label=_("Weight of criterion %(n)d, %%") % {"n": i}, min_value=1, max_value=100, required=i == 1
            )

    def criteria(self) -> list[tuple[str, int]]:
        rows = []
        for i in range(1, CRITERIA_ROWS + 1):
            name, weight = self.cleaned_data.get(f"criterion_{i}"), self.cleaned_data.get(f"weight_{i}")
            if name or weight:
                rows.append((name or "", weight or 0))
        return rows

    def criteria_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"criterion_{i}"], self[f"weight_{i}"]) for i in range(1, CRITERIA_ROWS + 1)]


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


class EvaluatorsForm(forms.Form):
    evaluators = forms.ModelMultipleChoiceField(
        label=_("Evaluators"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["evaluators"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = candidates
        field.label_from_instance = _person  # type: ignore[method-assign,assignment]  # Django documents this override


def _lines(form: forms.Form, rows: int) -> list[Line]:
    lines = []
    for i in range(1, rows + 1):
        item, amount = form.cleaned_data.get(f"item_{i}"), form.cleaned_data.get(f"amount_{i}")
        if item or amount:
            lines.append(Line(item=item or "", amount_cents=cents_of(amount) if amount else 0))
    return lines


def _add_line_fields(form: forms.Form, rows: int, item_label: Any, amount_label: Any) -> None:
    for i in range(1, rows + 1):
        form.fields[f"item_{i}"] = forms.CharField(label=item_label % {"n": i}, max_length=200, required=False)
        form.fields[f"amount_{i}"] = _eur(amount_label % {"n": i}, required=False)


class ApplicationForm(forms.Form):
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    registration_number = forms.CharField(label=_("Registration number"), max_length=20)
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    youth_group = forms.CharField(label=_("Youth initiative group"), max_length=200, required=False)
    title = forms.CharField(label=_("Project title"), max_length=200)
    aims = forms.CharField(label=_("Aims"), widget=forms.Textarea(attrs={"rows": 3}))
    activities = forms.CharField(label=_("Activities"), widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("Project starts"), widget=DATE)
    ends_on = forms.DateField(label=_("Project ends"), widget=DATE)
    participants_expected = forms.IntegerField(label=_("Participants expected"), min_value=1)
    age_from = forms.IntegerField(label=_("Age from"), min_value=5, max_value=30)
    age_to = forms.IntegerField(label=_("Age to"), min_value=5, max_value=30)
    requested = _eur(_("Amount requested, EUR"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_line_fields(self, BUDGET_ROWS, _("Budget item %(n)d"), _("Amount of item %(n)d, EUR"))

    def line_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"item_{i}"], self[f"amount_{i}"]) for i in range(1, BUDGET_ROWS + 1)]

    def data_for_service(self) -> ApplicationInput:
        d = self.cleaned_data
        return ApplicationInput(
            organisation=d["organisation"],
            registration_number=d["registration_number"],
            contact_name=d["contact_name"],
            contact_email=d["contact_email"],
            contact_phone=d["contact_phone"],
            youth_group=d["youth_group"],
            title=d["title"],
            aims=d["aims"],
            activities=d["activities"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            participants_expected=d["participants_expected"],
            age_from=d["age_from"],
            age_to=d["age_to"],
            requested_cents=cents_of(d["requested"]),
            budget=_lines(self, BUDGET_ROWS),
        )


class ScoreForm(forms.Form):
    no_conflict = forms.BooleanField(
        label=_("I have no conflict of interest with this applicant (I am not its member, employee or relative)."),
        required=False,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[f"score_{c.pk}"] = forms.IntegerField(
                label=_("%(name)s (weight %(weight)d %%), score 0–10") % {"name": c.name, "weight": c.weight},
                min_value=0,
                max_value=10,
            )
        self.order_fields([f"score_{c.pk}" for c in criteria] + ["no_conflict", "comment"])

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"score_{c.pk}"] for c in self.criteria}


class ConflictForm(forms.Form):
    reason = forms.CharField(label=_("What is the conflict of interest?"), max_length=300)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Do not support"))],
        widget=forms.RadioSelect,
    )
    awarded = _eur(_("Amount awarded, EUR"), required=False)
    note = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(forms.Form):
    participants_reached = forms.IntegerField(label=_("Participants reached"), min_value=0)
    activities_done = forms.CharField(label=_("Activities done"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_line_fields(self, BUDGET_ROWS, _("Expense item %(n)d"), _("Amount of expense %(n)d, EUR"))

    def line_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"item_{i}"], self[f"amount_{i}"]) for i in range(1, BUDGET_ROWS + 1)]

    def expenses(self) -> list[Line]:
        return _lines(self, BUDGET_ROWS)
