"""The budget page's forms: amounts typed in EUR ("1 234,50" or "1234.50") become whole cents."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from pumpurs.finance.models import Budget
from pumpurs.finance.money import cents_of
from pumpurs.people.models import Institution, Municipality


class EuroField(forms.CharField):
    """An amount in EUR → whole cents (``int``); more than two decimals is an error, not rounding."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:  # cents, not text
        text = super().clean(value)
        if not text:
            return None
        try:
            return cents_of(text)
        except ValueError:
            raise forms.ValidationError(
                _("Write an amount in euros with at most two decimals, e.g. 1250,50."), code="amount"
            ) from None


def _attrs_html(attrs: dict[str, Any]) -> str:
    """Django's ``django/forms/widgets/attrs.html``, written in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A ``<select>`` whose options are written in Python instead of one template include each:
    the same HTML as Django's ``select.html`` and ``select_option.html`` (a test compares them), at a
    fraction of the time — the budget page lists a municipality's schools three times (114 in Rīga),
    and those includes were a fifth of its own CPU (decision 0043). Option groups go to Django's."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _choices, _index in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
        for _group, choices, _index in widget["optgroups"]:
            parts.extend(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs_html(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
                for option in choices
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


class BudgetForm(forms.Form):
    institution = forms.ModelChoiceField(queryset=Institution.objects.none(), label=_("School"), widget=QuickSelect)
    amount = EuroField(label=_("Budget, EUR"))
    esf = EuroField(label=_("of which ESF, EUR"), required=False, help_text=_("Empty: the default split."))
    state = EuroField(label=_("of which state budget, EUR"), required=False)

    def __init__(self, *args: Any, institutions: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]  # a ModelChoiceField


class MoveForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Budget.objects.none(), label=_("From"), widget=QuickSelect)
    target = forms.ModelChoiceField(queryset=Budget.objects.none(), label=_("To"), widget=QuickSelect)
    amount = EuroField(label=_("Amount, EUR"))
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(
        self, *args: Any, budgets: QuerySet[Budget], listed: list[Budget] | None = None, **kwargs: Any
    ) -> None:
        """``listed``: ``budgets`` already read (the page has them): both lists of choices are built
        from it once instead of each field reading the budgets again. A posted choice is always
        checked against ``budgets``."""
        # It shares the budget page with BudgetForm, which also has an "amount": its own ids keep
        # every label and the error summary's links pointing at this form's fields.
        kwargs.setdefault("auto_id", "id_move_%s")
        super().__init__(*args, **kwargs)
        for name in ("source", "target"):
            field = self.fields[name]
            field.queryset = budgets  # type: ignore[attr-defined]  # a ModelChoiceField
            field.label_from_instance = _budget_label  # type: ignore[attr-defined]  # a ModelChoiceField
        if listed is not None:
            choices = [("", self.fields["source"].empty_label), *((b.pk, _budget_label(b)) for b in listed)]  # type: ignore[attr-defined]  # a ModelChoiceField
            for name in ("source", "target"):
                self.fields[name].choices = choices  # type: ignore[attr-defined]  # a ModelChoiceField


def _budget_label(budget: Budget) -> str:
    return budget.institution.name if budget.institution else str(budget)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why it is reversed"), max_length=300)


class RateForm(forms.Form):
    """A new rate of one measure from a date. ``municipality`` is offered only where the measure
    allows a municipality's own rate; empty means the national rate (the national role's)."""

    measure = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    municipality = forms.ModelChoiceField(
        queryset=Municipality.objects.none(),
        label=_("For the municipality"),
        required=False,
        empty_label=_("— national rate —"),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = EuroField(
        label=_("Unit price, EUR"),
        required=False,
        help_text=_("Empty: the actual cost counts (a ticket, a receipt), within the caps."),
    )
    cap_unit = EuroField(label=_("Cap per unit, EUR"), required=False)
    cap_semester = EuroField(label=_("Cap per pupil per semester, EUR"), required=False)
    cap_month = EuroField(label=_("Cap per pupil per month, EUR"), required=False)
    is_example = forms.BooleanField(
        label=_("Example figure, not the programme's"),
        required=False,
        help_text=_("Tick it for a figure used to try the system: pages then mark it “example”."),
    )
    note = forms.CharField(label=_("Source or note"), max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        measure_code: str,
        national: bool,
        municipalities: QuerySet[Municipality] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].initial = measure_code
        if municipalities is None:
            del self.fields["municipality"]
        else:
            field = self.fields["municipality"]
            field.queryset = municipalities.order_by("name")  # type: ignore[attr-defined]  # a ModelChoiceField
            field.required = not national  # a municipality coordinator sets only their own
