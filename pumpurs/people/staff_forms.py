"""Forms of the staff pages: they parse and validate; they never write (``people.staff`` does)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Role, SpecialistKind, User


class RoleForm(forms.Form):
    """A role at the page's place; the roles offered are those the reader may give there."""

    role = forms.ChoiceField(label=_("Role"))
    specialist_kind = forms.ChoiceField(
        label=_("Specialist kind"),
        required=False,
        choices=[("", "—"), *SpecialistKind.choices],
        help_text=_("Only for a specialist."),
    )

    def __init__(self, *args: Any, roles: list[str], places: Mapping[str, object] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(r, labels[r]) for r in roles]  # type: ignore[attr-defined]  # a ChoiceField
        if places is not None:
            # Where the role is held: a school, a municipality, or the whole country.
            self.fields["place"] = forms.ChoiceField(
                label=_("Where"), choices=[(key, str(place or _("whole country"))) for key, place in places.items()]
            )
            self.order_fields(["role", "place", "specialist_kind"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == Role.SPECIALIST and not data.get("specialist_kind"):
            self.add_error("specialist_kind", _("Choose the specialist's kind."))
        if data.get("role") != Role.SPECIALIST:
            data["specialist_kind"] = ""
        return data


class InviteForm(RoleForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"), help_text=_("The invitation is sent here; it is also the username.")
    )

    field_order = ["first_name", "last_name", "email", "role", "specialist_kind"]


class ClassTeacherForm(forms.Form):
    teacher = forms.ModelChoiceField(
        label=_("Class teacher"), queryset=User.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, teachers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers  # type: ignore[attr-defined]  # a ModelChoiceField


class PhoneForm(forms.Form):
    """A staff member's work phone; ``people.staff.phone_clean`` is the one judge of its form."""

    phone = forms.CharField(
        label=_("Work phone"),
        required=False,
        max_length=30,
        help_text=_(
            "Shown to the family on the printed plan when you are its contact. E.g. +371 2612 3456; empty: none."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
