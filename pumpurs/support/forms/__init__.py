"""Forms of the support pages: they parse and validate; the services in ``cases``, ``plans``,
``delivery`` and ``reviews`` decide and write. Choices are addressed by public UUIDs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Guardian, Pupil
from pumpurs.risk.models import Assessment, RiskGroup
from pumpurs.support.models import (
    Case,
    CloseReason,
    Consent,
    ContactEntry,
    Delivery,
    Goal,
    Measure,
    Outcome,
    PlanMeasure,
    Review,
    TeamMember,
    Usefulness,
)
from pumpurs.support.plans import GoalInput, MeasureInput, RiskInput

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Extension → the bytes such a file starts with (a renamed file of another kind is refused).
ALLOWED_UPLOADS = {".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG",)}
PUPIL = "pupil"


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
    return [(str(u.public_id), u.get_full_name() or u.get_username()) for u in users]


# --- Cases -----------------------------------------------------------------------------------------


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


class CaseCloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is the case closed?"), choices=[("", "—"), *CloseReason.choices])


# --- The plan --------------------------------------------------------------------------------------


class RowForm(forms.Form):
    """A formset row: every field optional; a row left blank is ignored, a started row must be
    complete (the services check the rest)."""

    needed: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank():
            return data
        for name in self.needed:
            if data.get(name) in (None, ""):
                self.add_error(name, _("Fill this in, or clear the whole row."))
        return data

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return all(value in (None, "", False) for value in data.values())


class RiskRowForm(RowForm):
    needed = ("group", "description")
    group = forms.ChoiceField(label=_("Risk group"), required=False, choices=[("", "—"), *RiskGroup.choices])
    description = forms.CharField(label=_("Risk"), required=False, max_length=300)


class GoalRowForm(RowForm):
    needed = ("text", "target")
    text = forms.CharField(label=_("Goal"), required=False, max_length=300)
    target = forms.CharField(label=_("Measurable target"), required=False, max_length=300)


class MeasureRowForm(RowForm):
    needed = ("measure", "planned_quantity")
    measure = forms.ChoiceField(label=_("Measure"), required=False)
    provider = forms.ChoiceField(label=_("Provider (colleague)"), required=False)
    provider_name = forms.CharField(label=_("or provider's name"), required=False, max_length=200)
    planned_quantity = forms.DecimalField(
        label=_("Planned quantity"), required=False, min_value=Decimal("0.01"), max_digits=9, decimal_places=2
    )
    planned_cost = forms.DecimalField(
        label=_("Planned cost, EUR"), required=False, min_value=Decimal(0), max_digits=9, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, measures: Sequence[Measure], staff: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measures = {str(m.public_id): m for m in measures}
        self.staff = {str(u.public_id): u for u in staff}
        measure_field, provider_field = self.fields["measure"], self.fields["provider"]
        assert isinstance(measure_field, forms.ChoiceField)
        assert isinstance(provider_field, forms.ChoiceField)
        measure_field.choices = [("", "—"), *((k, _measure_label(m)) for k, m in self.measures.items())]
        provider_field.choices = [("", "—"), *_user_choices(staff)]

    def to_input(self) -> MeasureInput:
        data = self.cleaned_data
        return MeasureInput(
            measure=self.measures[data["measure"]],
            planned_quantity=data["planned_quantity"],
            planned_cost=data.get("planned_cost"),
            provider=self.staff.get(data.get("provider") or ""),
            provider_name=data.get("provider_name") or "",
            note=data.get("note") or "",
        )


def _measure_label(measure: Measure) -> str:
    if measure.unit_cost is None:
        cost = str(_("unit cost not set"))
    else:
        cost = str(_("%(cost)s EUR per %(unit)s") % {"cost": measure.unit_cost, "unit": measure.get_unit_display()})
    return f"{measure.name} ({measure.get_unit_display()}; {cost})"


class PlanHeaderForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    contact_person = forms.CharField(label=_("Who to contact"), max_length=200, required=False)


RiskFormSet = forms.formset_factory(RiskRowForm, extra=2)
GoalFormSet = forms.formset_factory(GoalRowForm, extra=2)
MeasureFormSet = forms.formset_factory(MeasureRowForm, extra=3)


class PlanEditor:
    """The header form and the three formsets of the plan edit page, parsed together."""

    def __init__(
        self,
        data: Any = None,
        *,
        plan: Any,
        measures: Sequence[Measure],
        staff: Sequence[Any],
    ) -> None:
        initial = plan_initial(plan) if data is None else None
        self.header = PlanHeaderForm(data, initial=initial["header"] if initial else None)
        self.risks = RiskFormSet(data, prefix="risks", initial=initial["risks"] if initial else None)
        self.goals = GoalFormSet(data, prefix="goals", initial=initial["goals"] if initial else None)
        self.measures = MeasureFormSet(
            data,
            prefix="measures",
            initial=initial["measures"] if initial else None,
            form_kwargs={"measures": measures, "staff": staff},
        )

    def is_valid(self) -> bool:
        results = [self.header.is_valid(), self.risks.is_valid(), self.goals.is_valid(), self.measures.is_valid()]
        return all(results)

    def _filled(self, formset: forms.BaseFormSet[Any]) -> list[Any]:
        return [f for f in formset.forms if not f.is_blank()]

    def risk_inputs(self) -> list[RiskInput]:
        return [RiskInput(f.cleaned_data["group"], f.cleaned_data["description"]) for f in self._filled(self.risks)]

    def goal_inputs(self) -> list[GoalInput]:
        return [GoalInput(f.cleaned_data["text"], f.cleaned_data["target"]) for f in self._filled(self.goals)]

    def measure_inputs(self) -> list[MeasureInput]:
        return [f.to_input() for f in self._filled(self.measures)]


def plan_initial(plan: Any) -> dict[str, Any]:
    lines = list(plan.measures.select_related("measure", "provider"))
    return {
        "header": {"version": plan.version, "contact_person": plan.contact_person},
        "risks": [{"group": r.group, "description": r.description} for r in plan.risks.all()],
        "goals": [{"text": g.text, "target": g.target} for g in plan.goals.all()],
        "measures": [
            {
                "measure": str(line.measure.public_id),
                "provider": str(line.provider.public_id) if line.provider else "",
                "provider_name": line.provider_name,
                "planned_quantity": line.planned_quantity,
                "planned_cost": line.planned_cost,
                "note": line.note,
            }
            for line in lines
        ],
    }


class TransitionForm(forms.Form):
    SUBMIT, APPROVE, RETURN, AMEND, REVIEW = "submit", "approve", "return", "amend", "review"
    action = forms.ChoiceField(
        choices=[(a, a) for a in (SUBMIT, APPROVE, RETURN, AMEND, REVIEW)], widget=forms.HiddenInput
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea)


# --- Delivery --------------------------------------------------------------------------------------


class _LineChoiceForm(forms.Form):
    line = forms.ChoiceField(label=_("Measure"))
    evidence = forms.FileField(
        label=_("Evidence file (optional)"), required=False, help_text=_("PDF, JPG or PNG, at most 10 MB.")
    )

    def __init__(self, *args: Any, lines: Sequence[PlanMeasure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {str(line.public_id): line for line in lines}
        field = self.fields["line"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, str(line.measure)) for k, line in self.lines.items()]

    def clean_evidence(self) -> UploadedFile[Any] | None:
        return clean_upload(self.cleaned_data.get("evidence"))

    def chosen(self) -> PlanMeasure:
        return self.lines[self.cleaned_data["line"]]


class ConsultationForm(_LineChoiceForm):
    prefix = "consultation"
    held_on = forms.DateField(label=_("Date"), widget=_date_input())
    minutes = forms.IntegerField(label=_("Duration, minutes"), min_value=1, max_value=480)
    specialist = forms.ChoiceField(label=_("Specialist"))
    mode = forms.ChoiceField(label=_("How"), choices=Delivery.Mode.choices)
    topic = forms.CharField(label=_("Topic"), max_length=300)
    field_order = ["line", "held_on", "minutes", "specialist", "mode", "topic", "evidence"]

    def __init__(self, *args: Any, lines: Sequence[PlanMeasure], staff: Sequence[Any], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, lines=lines, **kwargs)
        self.staff = {str(u.public_id): u for u in staff}
        field = self.fields["specialist"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *_user_choices(staff)]

    def chosen_specialist(self) -> Any:
        return self.staff[self.cleaned_data["specialist"]]


class CompensationForm(_LineChoiceForm):
    prefix = "compensation"
    starts_on = forms.DateField(label=_("From"), widget=_date_input())
    ends_on = forms.DateField(label=_("Until"), required=False, widget=_date_input())
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.01"), max_digits=9, decimal_places=2)
    amount = forms.DecimalField(
        label=_("Amount, EUR"),
        required=False,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        help_text=_("Leave empty to use quantity × the catalogue's unit cost, when it is set."),
    )
    field_order = ["line", "starts_on", "ends_on", "quantity", "amount", "evidence"]

    def __init__(self, *args: Any, lines: Sequence[PlanMeasure], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"starts_on": timezone.localdate()})
        super().__init__(*args, lines=lines, **kwargs)


# --- The review ------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    """One outcome and comment per goal, one usefulness per measure line, the new questionnaire,
    and the decision."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    assessment = forms.ChoiceField(label=_("The new questionnaire"), required=False)
    decision = forms.ChoiceField(
        label=_("What happens next"), choices=Review.Decision.choices, widget=forms.RadioSelect
    )
    close_reason = forms.ChoiceField(
        label=_("Why is the case closed? (when closing)"),
        required=False,
        choices=[("", "—"), *CloseReason.choices],
    )
    summary = forms.CharField(label=_("Summary"), required=False, max_length=4000, widget=forms.Textarea)

    def __init__(
        self,
        *args: Any,
        goals: Sequence[Goal],
        lines: Sequence[PlanMeasure],
        assessments: Sequence[Assessment],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.goals, self.lines = list(goals), list(lines)
        self.assessments = {str(a.public_id): a for a in assessments}
        field = self.fields["assessment"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (
                k,
                _("submitted %(when)s (level: %(level)s)")
                % {"when": _local(a.submitted_at), "level": a.get_level_display()},
            )
            for k, a in self.assessments.items()
        ]
        for goal in self.goals:
            self.fields[f"outcome_{goal.pk}"] = forms.ChoiceField(
                label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
            )
            self.fields[f"note_{goal.pk}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
        for line in self.lines:
            self.fields[f"usefulness_{line.pk}"] = forms.ChoiceField(
                label=_("Usefulness"), choices=Usefulness.choices, widget=forms.RadioSelect
            )

    def goal_rows(self) -> list[tuple[Goal, forms.BoundField, forms.BoundField]]:
        return [(g, self[f"outcome_{g.pk}"], self[f"note_{g.pk}"]) for g in self.goals]

    def line_rows(self) -> list[tuple[PlanMeasure, forms.BoundField]]:
        return [(line, self[f"usefulness_{line.pk}"]) for line in self.lines]

    def goal_outcomes(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {g.pk: (data[f"outcome_{g.pk}"], data.get(f"note_{g.pk}") or "") for g in self.goals}

    def measure_usefulness(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data[f"usefulness_{line.pk}"] for line in self.lines}

    def chosen_assessment(self) -> Assessment | None:
        return self.assessments.get(self.cleaned_data.get("assessment") or "")


def _local(moment: dt.datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""
