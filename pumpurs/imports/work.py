"""What the imports give people to do ("Mani darbi", people/work.py; decision 0021): files that
were rejected or failed, at the user's schools or their own, until a later file of the same kind
for the same school is applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from pumpurs.imports.models import ImportBatch
from pumpurs.imports.selectors import batches_visible_to
from pumpurs.people.access import Perm
from pumpurs.people.registry import any_perm
from pumpurs.people.work import WorkKind, WorkRow, since_date, work_kind_register

NOT_DONE = (ImportBatch.Status.REJECTED, ImportBatch.Status.FAILED)


def imports_failed(user: Any, today: dt.date) -> QuerySet[ImportBatch]:
    later = ImportBatch.objects.filter(
        kind=OuterRef("kind"),
        institution_id=OuterRef("institution_id"),
        status=ImportBatch.Status.APPLIED,
        created_at__gt=OuterRef("created_at"),
    )
    return (
        batches_visible_to(user).filter(status__in=NOT_DONE).exclude(Exists(later)).annotate(work_since=F("created_at"))
    )


def _rows(batches: Sequence[ImportBatch], today: dt.date) -> list[WorkRow]:
    return [
        WorkRow(
            subject=b.filename,
            school=b.institution.name if b.institution else "",
            what=f"{b.kind}: {b.get_status_display()}",
            since=since_date(b.created_at) or today,
            url=reverse("import_detail", args=[b.public_id]),
        )
        for b in batches
    ]


def register() -> None:
    """Called from ``ImportsConfig.ready()``."""
    work_kind_register(
        WorkKind(
            code="imports",
            label=gettext_lazy("Imports that failed"),
            help=gettext_lazy("Files rejected or failed, with no later file of the kind applied: fix and load again."),
            order=90,
            applies=any_perm(Perm.IMPORT_DATA),
            items=imports_failed,
            in_school=lambda items, school, today: items.filter(institution=school),
            rows=_rows,
        )
    )
