"""The plan page: the editor (a header form and three formsets, parsed together) and its
transitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pumpurs.core.display import money_text
from pumpurs.risk.models import RiskGroup
from pumpurs.support.forms.common import _user_choices
from pumpurs.support.models import Measure
from pumpurs.support.plans import PLAN_ACTIONS, GoalInput, MeasureInput, RiskInput, plan_prices
from pumpurs.support.prices import Price


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

    def __init__(
        self,
        *args: Any,
        measures: Sequence[Measure],
        staff: Sequence[Any],
        prices: Mapping[str, Price] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        prices = prices or {}
        self.measures = {str(m.public_id): m for m in measures}
        self.staff = {str(u.public_id): u for u in staff}
        measure_field, provider_field = self.fields["measure"], self.fields["provider"]
        assert isinstance(measure_field, forms.ChoiceField)
        assert isinstance(provider_field, forms.ChoiceField)
        measure_field.choices = [
            ("", "—"),
            *((k, _measure_label(m, prices.get(m.code))) for k, m in self.measures.items()),
        ]
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


def _measure_label(measure: Measure, price: Price | None) -> str:
    if price is None or price.unit is None:
        cost = str(_("unit cost not set"))
    else:
        cost = str(
            _("%(cost)s EUR per %(unit)s") % {"cost": money_text(price.unit), "unit": measure.get_unit_display()}
        )
        if price.is_example:
            cost = f"{cost}, {_('example')}"
    if price is not None and price.cap is not None:
        cost = f"{cost}, {_('at most %(cap)s EUR per semester') % {'cap': money_text(price.cap)}}"
    return f"{measure.label} ({measure.get_unit_display()}; {cost})"


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
            # The unit prices in force for the plan's semester and school, looked up once for the
            # whole catalogue (every row's select lists it).
            form_kwargs={"measures": measures, "staff": staff, "prices": plan_prices(plan, {m.code for m in measures})},
        )

    @property
    def formsets(self) -> list[forms.BaseFormSet[Any]]:
        """For the error summary at the top of the page."""
        return [self.risks, self.goals, self.measures]

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
    SUBMIT, APPROVE, RETURN, AMEND, WITHDRAW, REVIEW = PLAN_ACTIONS
    action = forms.ChoiceField(choices=[(a, a) for a in PLAN_ACTIONS], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea)
