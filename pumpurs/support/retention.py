"""The support app's record kinds (decision 0040): closed cases, and deliveries' evidence files.

A closed case past its period goes with everything under it — plans, lines, goals, contacts,
consents (and their scans), reviews — unless public money rests on it (a delivery, or a commitment
``finance`` holds on one of its plans: both ``PROTECT``). Then it is pseudonymised instead
(decision 0033): its free text and files are cleared and the rows that name a school, a measure,
a day and an amount stay, so every euro is still accounted. ``cases_pseudonymise`` is also what a
pupil's erasure (``privacy.erasure``) does to the pupil's cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.core.retention import Action, Part, record_kind_register, reverse_relations
from pumpurs.support.models import (
    Case,
    Consent,
    ContactEntry,
    Delivery,
    Goal,
    Plan,
    PlanMeasure,
    PlanRisk,
    PlanSeen,
    PlanTransition,
    Review,
)


def _files_delete_on_commit(queryset: QuerySet[models.Model], field: str) -> None:
    """Remove the stored files the rows name once the transaction that clears them commits (a
    rollback keeps both the rows and the files)."""
    names = [name for name in queryset.exclude(**{field: ""}).values_list(field, flat=True) if name]

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(remove)


def cases_with_money() -> Q:
    """Cases public money rests on: a delivery recorded under one of their plans, or a plan another
    app protects (``finance.Commitment``) — found from the declarations, support imports no finance."""
    money = Q(Exists(Delivery.objects.filter(line__plan__case=OuterRef("pk"))))
    for relation in reverse_relations(Plan):
        if relation.on_delete is models.PROTECT and relation.related_model is not Plan:
            related = relation.related_model
            assert isinstance(related, type)
            money |= Q(Exists(related._default_manager.filter(**{f"{relation.field.name}__case": OuterRef("pk")})))
    return money


def cases_pseudonymise(case_ids: Iterable[int], *, now: dt.datetime) -> int:
    """Clear the names and free text of these cases and everything under them, delete their scans
    and evidence files and the plan snapshots people last saw; keep the rows. Set-based: one
    statement per model. Returns how many cases."""
    ids = list(case_ids)
    plans = Plan.objects.filter(case__in=ids)
    consents = Consent.objects.filter(case__in=ids)
    deliveries = Delivery.objects.filter(line__plan__case__in=ids)
    _files_delete_on_commit(consents, "document")
    _files_delete_on_commit(deliveries, "evidence")
    ContactEntry.objects.filter(case__in=ids).update(summary="")
    consents.update(document="", withdrawal_note="")
    PlanRisk.objects.filter(plan__in=plans).update(description="")
    Goal.objects.filter(plan__in=plans).update(text="", target="", outcome_note="")
    PlanMeasure.objects.filter(plan__in=plans).update(note="")
    PlanTransition.objects.filter(plan__in=plans).update(comment="")
    PlanSeen.objects.filter(plan__in=plans).delete()
    Review.objects.filter(plan__in=plans).update(summary="")
    deliveries.update(topic="", void_reason="", evidence="")
    plans.update(contact_person="")
    return Case.objects.filter(pk__in=ids).update(reason="", pseudonymised_at=now)


def closed_cases_due(now: dt.datetime) -> Sequence[Part]:
    """Cases closed before the period and not yet pseudonymised."""
    closed = Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=closed_cases.cutoff(now))
    return (Part(closed.filter(pseudonymised_at__isnull=True), "closed_at"),)


def closed_cases_apply(parts: Sequence[Part], now: dt.datetime) -> int:
    """Delete the cases no money rests on (and their scans and evidence); pseudonymise the rest."""
    (part,) = parts
    keep = list(part.queryset.filter(cases_with_money()).values_list("pk", flat=True))
    gone = list(part.queryset.exclude(pk__in=keep).values_list("pk", flat=True))
    _files_delete_on_commit(Consent.objects.filter(case__in=gone), "document")
    _files_delete_on_commit(Delivery.objects.filter(line__plan__case__in=gone), "evidence")
    Case.objects.filter(pk__in=gone).delete()
    return cases_pseudonymise(keep, now=now) + len(gone)


def evidence_files_due(now: dt.datetime) -> Sequence[Part]:
    """Deliveries delivered before the period that still hold an evidence file."""
    cutoff = timezone.localdate(evidence_files.cutoff(now))
    return (Part(Delivery.objects.filter(delivered_on__lt=cutoff).exclude(evidence=""), "delivered_on"),)


def evidence_files_purge(parts: Sequence[Part], now: dt.datetime) -> int:
    """The files go; the deliveries (and their amounts) stay."""
    (part,) = parts
    _files_delete_on_commit(part.queryset, "evidence")
    return part.queryset.update(evidence="")


closed_cases = record_kind_register(
    code="support.closed_cases",
    label=_("Closed support cases with their plans, contacts and consents"),
    setting="PUMPURS_RETENTION_CLOSED_CASE_DAYS",
    due=closed_cases_due,
    action=Action.PSEUDONYMISE,
    apply=closed_cases_apply,
    order=50,
)
evidence_files = record_kind_register(
    code="support.evidence_files",
    label=_("Evidence files of deliveries"),
    setting="PUMPURS_RETENTION_EVIDENCE_DAYS",
    due=evidence_files_due,
    action=Action.PURGE_FILES,
    apply=evidence_files_purge,
    order=60,
)
