"""Forms of the people pages: they parse and validate; they never write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pumpurs.people.personal_code import PersonalCode, parse_personal_code


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
