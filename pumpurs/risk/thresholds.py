"""Municipal overrides of the flag rules' thresholds (issue 4: national defaults, municipal overrides)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
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


def thresholds_of(municipality: Municipality) -> list[ThresholdRow]:
    overrides = dict(ThresholdOverride.objects.filter(municipality=municipality).values_list("rule", "value"))
    return [ThresholdRow(code, str(rule_label(code)), default_threshold(code), overrides.get(code)) for code in RULES]


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
    if number < 0 or number > 1000:
        raise ValidationError(_("The threshold must be between 0 and 1000."), code="threshold_range")
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
