"""Forms of the people pages: they parse and validate; they never write."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from pumpurs.people.personal_code import PersonalCode, parse_personal_code

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' name for a lazy translation

type StrOrPromise = str | _StrPromise


class NameSearchForm(forms.Form):
    q = forms.CharField(label=_("First or last name"), max_length=100, required=False)


class PersonalCodeSearchForm(forms.Form):
    # Sent by POST only, so that the code never lands in a URL, a server log or the browser history.
    personal_code = forms.CharField(
        label=_("Personal code"),
        max_length=20,
        help_text=_("11 digits, e.g. DDMMYY-CNNNN; the dash is optional."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )

    def clean_personal_code(self) -> PersonalCode:
        return parse_personal_code(self.cleaned_data["personal_code"])


def _date_field(label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class SchoolYearForm(forms.Form):
    """A school year's dates as the Cabinet regulation sets them; the services validate them
    against each other and the neighbouring years."""

    starts_on = _date_field(_("The year (and semester 1) starts on"))
    semester1_ends_on = _date_field(_("Semester 1 ends on"))
    semester2_starts_on = _date_field(_("Semester 2 starts on"))
    ends_on = _date_field(_("The year (and semester 2) ends on"))
    grade9_ends_on = _date_field(
        _("Grade 9 ends on"), required=False, help_text=_("Leave empty when grade 9 ends with the year.")
    )
    grade12_ends_on = _date_field(
        _("Grade 12 ends on"), required=False, help_text=_("Leave empty when grade 12 ends with the year.")
    )
    source = forms.CharField(
        label=_("Source"), max_length=300, required=False, help_text=_("The Cabinet regulation that sets these dates.")
    )


class NewSchoolYearForm(SchoolYearForm):
    start_year = forms.IntegerField(label=_("The year starts in"), min_value=2000, max_value=2100)
    field_order = ["start_year"]
