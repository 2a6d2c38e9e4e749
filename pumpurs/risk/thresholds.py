"""Municipal overrides of the flag rules' thresholds (issue 4: national defaults, municipal overrides)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core.display import number_text
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Municipality, User
from pumpurs.risk.models import ThresholdOverride
from pumpurs.risk.rules import RULES, default_threshold, rule_label


@dataclass(frozen=True)
class ThresholdRow:
    code: str
    label: str
    national: Decimal
    override: Decimal | None
    unit: str
    allowed: str  # "from – to" in the reader's number format
    whole: bool


def thresholds_of(municipality: Municipality) -> list[ThresholdRow]:
    overrides = dict(ThresholdOverride.objects.filter(municipality=municipality).values_list("rule", "value"))
    return [
        ThresholdRow(
            code,
            str(rule_label(code)),
            default_threshold(code),
            overrides.get(code),
            str(rule.unit),
            f"{number_text(rule.minimum)}–{number_text(rule.maximum)}",
            rule.whole,
        )
        for code, rule in RULES.items()
    ]


def _require(actor: User, municipality: Municipality) -> None:
    if not access.municipalities_visible_to(actor, Perm.MANAGE_THRESHOLDS).filter(pk=municipality.pk).exists():
        raise PermissionDenied(_("You may not change this municipality's thresholds."))


@transaction.atomic
def threshold_set(*, actor: User, municipality: Municipality, rule: str, value: str) -> ThresholdOverride:
    """Set the municipality's own threshold for ``rule``; flags follow at the next refresh.
    Inverse: ``threshold_clear``."""
    _require(actor, municipality)
    if rule not in RULES:
        raise ValidationError(_("Unknown rule."), code="rule_unknown")
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Write the threshold as a number, e.g. 15 or 92.5."), code="threshold_number") from None
    known = RULES[rule]
    limits = {
        "rule": rule_label(rule),
        "unit": known.unit,
        "min": number_text(known.minimum),
        "max": number_text(known.maximum),
    }
    if not number.is_finite() or number < known.minimum or number > known.maximum:
        raise ValidationError(
            _("The threshold of “%(rule)s” is in %(unit)s: from %(min)s to %(max)s.") % limits,
            code="threshold_range",
        )
    if known.whole and number != number.to_integral_value():
        raise ValidationError(
            _("The threshold of “%(rule)s” counts %(unit)s: write a whole number.") % limits,
            code="threshold_whole",
        )
    override, _created = ThresholdOverride.objects.update_or_create(
        municipality=municipality, rule=rule, defaults={"value": number, "set_by": actor}
    )
    audit_record(
        actor=actor, action="risk.threshold.set", target=municipality, data={"rule": rule, "value": str(number)}
    )
    return override


@transaction.atomic
def threshold_clear(*, actor: User, municipality: Municipality, rule: str) -> None:
    """Return to the national default for ``rule``. Inverse: ``threshold_set``."""
    _require(actor, municipality)
    deleted, _rows = ThresholdOverride.objects.filter(municipality=municipality, rule=rule).delete()
    if deleted:
        audit_record(actor=actor, action="risk.threshold.cleared", target=municipality, data={"rule": rule})
