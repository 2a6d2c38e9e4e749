"""How many pupils a school can support in a semester: the one write behind the watch list.

Kept apart from ``risk/services.py`` (flag decisions) so that each change has one home.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Institution, Period, User
from pumpurs.risk.models import SchoolCapacity


@transaction.atomic
def capacity_set(*, actor: User, institution: Institution, period: Period, capacity: int) -> SchoolCapacity:
    """Set (or change) ``institution``'s capacity for ``period``; audited as ``risk.capacity.set``.

    Only a holder of Perm.MANAGE_CAPACITY for the school may; the previous value is kept in the
    audit entry, so a change can be traced. There is no inverse: a new value replaces the old one.
    """
    if not access.institutions_visible_to(actor, Perm.MANAGE_CAPACITY).filter(pk=institution.pk).exists():
        raise PermissionDenied
    if capacity < 0:
        raise ValidationError(_("The capacity cannot be negative."))
    row = SchoolCapacity.objects.select_for_update().filter(institution=institution, period=period).first()
    previous = row.capacity if row else None
    if row is None:
        row = SchoolCapacity.objects.create(institution=institution, period=period, capacity=capacity)
    else:
        row.capacity = capacity
        row.save(update_fields=["capacity"])
    audit_record(
        actor=actor,
        action="risk.capacity.set",
        target=institution,
        data={"period": str(period), "capacity": capacity, "previous": previous},
    )
    return row
