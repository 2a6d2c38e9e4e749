"""Notices: the same-day absence notice to guardians and the municipality's threshold notice.

Both are found set-based and written with ``bulk_create(ignore_conflicts=True)`` on a unique
``dedupe_key``: re-importing the same attendance, or refreshing flags again, never produces a
second notice (issue 4, item 6). Every notice is kept in the in-app outbox with its delivery
status; a guardian without contact data becomes a notice with status "no contact", so the
school sees the gap instead of silence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from pumpurs.audit.services import audit_record
from pumpurs.core.display import day_text
from pumpurs.journal.models import AttendanceDay
from pumpurs.people import access
from pumpurs.people.actors import SystemActor
from pumpurs.people.models import Enrolment, Guardian, Institution, Period, Role, RoleGrant, User
from pumpurs.risk.models import Flag, Notice

SEND_BATCH = 500
# Notices are queued and sent by the system after imports and refreshes, for no one in particular.
NOTICES = SystemActor(name="system:notices")


def _open_enrolment(today: dt.date) -> Q:
    return Q(ends_on__isnull=True) | Q(ends_on__gte=today)


@transaction.atomic
def same_day_notices_set(*, actor: User, institution: Institution, enabled: bool) -> Institution:
    """Switch the school's same-day absence notices to guardians on or off (Cabinet Regulation
    No. 89: the school contacts the parents the same day; schools that do it through PuMPuRS
    switch this on). Allowed to whoever manages the school's pupils (its coordinator). Every
    switch is audited, a repeated one too: it records who confirmed the setting and when.
    Inverse: the same call with the other value."""
    if not access.can_manage_pupils_of(actor, institution):
        raise PermissionDenied(_("You may not switch this school's same-day absence notices."))
    institution.same_day_absence_notices = enabled
    institution.save(update_fields=["same_day_absence_notices", "updated_at"])
    audit_record(actor=actor, action="risk.same_day_notices.set", target=institution, data={"enabled": enabled})
    return institution


@transaction.atomic
def same_day_notices_create(*, day: dt.date) -> int:
    """Queue a notice to every guardian of each pupil recorded with unjustified lessons on
    ``day`` at a school that has same-day notices switched on. Returns how many are new.

    Only today's absences qualify (the rule is "the same school day"); older rows in an import
    are history, not news.
    """
    absent = AttendanceDay.objects.filter(date=day, unjustified__gt=0).values("pupil_id")
    enrolled = Enrolment.objects.filter(
        _open_enrolment(day), pupil_id=OuterRef("pupil_id"), institution__same_day_absence_notices=True
    )
    guardians = (
        Guardian.objects.filter(pupil_id__in=absent)
        .filter(Exists(enrolled))
        .select_related("pupil")
        .only("id", "email", "first_name", "last_name", "pupil__first_name", "pupil__last_name", "pupil__id")
    )
    notices = []
    with override("lv"):  # guardians are written to in Latvian
        for guardian in guardians.iterator(chunk_size=2000):
            pupil = guardian.pupil
            notices.append(
                guardian_notice(
                    guardian,
                    kind=Notice.Kind.SAME_DAY_ABSENCE,
                    subject=_("%(pupil)s is absent from school today")
                    % {"pupil": f"{pupil.first_name} {pupil.last_name}"},
                    body=_(
                        "Dear %(guardian)s,\n\n%(pupil)s was not at school today, %(date)s, and the school does not "
                        "know why. Please contact the class teacher today.\n\nPuMPuRS, on behalf of the school"
                    )
                    % {
                        "guardian": f"{guardian.first_name} {guardian.last_name}",
                        "pupil": pupil.first_name,
                        "date": day_text(day),
                    },
                    key=f"same_day:{pupil.pk}:{day.isoformat()}",
                )
            )
    return notices_queue(notices)


@transaction.atomic
def threshold_notices_create(*, period: Period) -> int:
    """Queue one notice per pupil and period to each coordinator of the pupil's municipality
    when the pupil's unjustified lessons crossed the threshold (an ``unjustified_semester``
    flag exists). Returns how many are new; a later refresh adds none for the same pupil."""
    today = timezone.localdate()
    flags = (
        Flag.objects.filter(period=period, rule="unjustified_semester")
        .order_by("pupil_id", "-raised_at")
        .distinct()
        .values_list("pupil_id", "value", "threshold")
    )
    crossed = {pupil_id: (value, threshold) for pupil_id, value, threshold in flags}
    if not crossed:
        return 0
    enrolments = (
        Enrolment.objects.filter(_open_enrolment(today), pupil_id__in=list(crossed))
        .select_related("pupil", "institution")
        .only("pupil__id", "pupil__first_name", "pupil__last_name", "institution__name", "institution__municipality_id")
    )
    coordinators: dict[int, list[Any]] = {}
    for grant in RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR).select_related("user"):
        if grant.user.is_active:
            coordinators.setdefault(grant.municipality_id or 0, []).append(grant.user)
    notices = []
    with override("lv"):
        for enrolment in enrolments:
            value, threshold = crossed[enrolment.pupil_id]
            pupil = enrolment.pupil
            for user in coordinators.get(enrolment.institution.municipality_id, []):
                notices.append(
                    Notice(
                        kind=Notice.Kind.THRESHOLD_CROSSED,
                        pupil=pupil,
                        recipient_user=user,
                        recipient_email=user.email,
                        subject=_("Unjustified absences over the threshold: %(pupil)s, %(school)s")
                        % {"pupil": f"{pupil.first_name} {pupil.last_name}", "school": enrolment.institution.name},
                        body=_(
                            "%(pupil)s (%(school)s) has %(value)s unjustified lessons in %(period)s; the "
                            "threshold is %(threshold)s. The municipality must be involved. Open PuMPuRS to see the "
                            "pupil's record (no personal code is sent by e-mail)."
                        )
                        % {
                            "pupil": f"{pupil.first_name} {pupil.last_name}",
                            "school": enrolment.institution.name,
                            "value": int(value),
                            "threshold": int(threshold),
                            "period": str(period),
                        },
                        status=Notice.Status.QUEUED if user.email else Notice.Status.NO_CONTACT,
                        dedupe_key=f"threshold:{pupil.pk}:{period.pk}:{user.pk}",
                    )
                )
    return notices_queue(notices)


def guardian_notice(guardian: Guardian, *, kind: str, subject: str, body: str, key: str) -> Notice:
    """An unsaved notice to one guardian of their pupil; without an e-mail address it is kept as
    "no contact" so the school sees the gap. ``key`` identifies the event (the guardian is added)."""
    return Notice(
        kind=kind,
        pupil_id=guardian.pupil_id,
        guardian=guardian,
        recipient_email=guardian.email,
        subject=subject,
        body=body,
        status=Notice.Status.QUEUED if guardian.email else Notice.Status.NO_CONTACT,
        dedupe_key=f"{key}:{guardian.pk}",
    )


def notices_queue(notices: list[Notice]) -> int:
    """Store the notices not stored before (by ``dedupe_key``); returns how many are new."""
    if not notices:
        return 0
    keys = [n.dedupe_key for n in notices]
    existing = set(Notice.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    fresh = [n for n in notices if n.dedupe_key not in existing]
    Notice.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
    if fresh:
        audit_record(
            actor=NOTICES,
            action="risk.notices.queued",
            data={"count": len(fresh), "kinds": sorted({n.kind for n in fresh})},
        )
    return len(fresh)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long a notice waits after its ``attempts``-th failed attempt: the configured minutes,
    doubled after each further failure (10, 20, 40, … minutes by default)."""
    return dt.timedelta(minutes=settings.PUMPURS_NOTICE_RETRY_MINUTES * 2 ** (attempts - 1))


def notices_send(*, limit: int = SEND_BATCH, now: dt.datetime | None = None) -> tuple[int, int]:
    """Send queued notices that are due by e-mail, one message per recipient; returns (notices
    sent, notices whose attempt failed).

    Trap 11b (issue 13): a municipality coordinator got 95 e-mails in one minute. Notices queued
    for the same address go out as one digest that lists each with a link; and while a message
    went to that address less than ``PUMPURS_NOTICE_DIGEST_MINUTES`` ago, new ones wait for the
    window to pass (the scheduled ``notices`` job sends them then, together). A zero window sends
    at once, still one message per address and run.

    A failed attempt is recorded and tried again later with back-off (``retry_delay``); after
    ``PUMPURS_NOTICE_SEND_ATTEMPTS`` attempts the notice "could not be delivered" (``FAILED``) and
    shows so in the outbox. Idempotent: each recipient's due notices are locked in their own short
    transaction, and only those still queued are sent, so two workers never send one twice.
    """
    now = now or timezone.now()
    sent = failed = 0
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    queued = Notice.objects.filter(due, status=Notice.Status.QUEUED)
    rows = queued.order_by("created_at", "pk").values_list("pk", "recipient_email")[:limit]
    by_recipient: dict[str, list[int]] = {}
    for notice_id, email in rows:
        by_recipient.setdefault(email.lower(), []).append(notice_id)
    for email, ids in by_recipient.items():
        with transaction.atomic():
            notices = list(
                queued.select_for_update().filter(pk__in=ids).select_related("pupil").order_by("created_at", "pk")
            )
            if not notices or _sent_recently(email, now=now):
                continue
            try:
                _mail(notices)
            except Exception as exc:  # the mail server's refusal is recorded, not raised
                error = str(exc)[:300]
                for notice in notices:
                    notice.attempts += 1
                    notice.error = error
                    if notice.attempts >= settings.PUMPURS_NOTICE_SEND_ATTEMPTS:
                        notice.status, notice.next_attempt_at = Notice.Status.FAILED, None
                    else:
                        notice.next_attempt_at = now + retry_delay(notice.attempts)
                failed += len(notices)
            else:
                for notice in notices:
                    notice.attempts += 1
                    notice.status, notice.error, notice.sent_at, notice.next_attempt_at = (
                        Notice.Status.SENT,
                        "",
                        now,
                        None,
                    )
                sent += len(notices)
            Notice.objects.bulk_update(notices, ["status", "error", "sent_at", "attempts", "next_attempt_at"])
            for notice in notices:
                action = (
                    "risk.notice.retrying" if notice.status == Notice.Status.QUEUED else f"risk.notice.{notice.status}"
                )
                audit_record(
                    at=now,
                    actor=NOTICES,
                    action=action,
                    pupil_id=notice.pupil_id,
                    target=notice,
                    data={"attempt": notice.attempts},
                )
    return sent, failed


def _sent_recently(email: str, *, now: dt.datetime) -> bool:
    """Whether a message went to ``email`` within the digest window (the new ones then wait)."""
    minutes = settings.PUMPURS_NOTICE_DIGEST_MINUTES
    if minutes <= 0:
        return False
    since = now - dt.timedelta(minutes=minutes)
    return Notice.objects.filter(recipient_email__iexact=email, status=Notice.Status.SENT, sent_at__gt=since).exists()


def _mail(notices: list[Notice]) -> None:
    """One notice as itself; several to one address as one digest, in Latvian, with links."""
    first = notices[0]
    if len(notices) == 1:
        send_mail(first.subject, first.body, None, [first.recipient_email], fail_silently=False)
        return
    with override("lv"):
        parts = []
        for number, notice in enumerate(notices, start=1):
            part = f"{number}. {notice.subject}\n\n{notice.body}"
            if notice.recipient_user_id is not None:  # staff can open the pupil; guardians have no login
                link = settings.PUMPURS_SITE_URL + reverse("pupil_detail", args=[notice.pupil.public_id])
                part += "\n" + _("Open: %(link)s") % {"link": link}
            parts.append(part)
        subject = ngettext("PuMPuRS: %(count)d notice", "PuMPuRS: %(count)d notices", len(notices)) % {
            "count": len(notices)
        }
        intro = _("These notices came together, so they are sent as one message.")
        body = intro + "\n\n" + "\n\n---\n\n".join(parts)
    send_mail(subject, body, None, [first.recipient_email], fail_silently=False)


def notices_after_import(*, period: Period | None, day: dt.date) -> tuple[int, int]:
    """Called by the task that follows an applied attendance import: create what is due, send it."""
    created = same_day_notices_create(day=day)
    if period is not None:
        created += threshold_notices_create(period=period)
    sent, _failed = notices_send()
    return created, sent


def pupils_missing_guardian_contacts(pupils: Any) -> Any:
    """Pupils (from ``pupils``) none of whose guardians has an e-mail or phone: a problem to fix."""
    reachable = Guardian.objects.filter(pupil_id=OuterRef("pk")).exclude(email="", phone="")
    return pupils.exclude(Exists(reachable))


__all__ = [
    "guardian_notice",
    "notices_after_import",
    "notices_queue",
    "notices_send",
    "pupils_missing_guardian_contacts",
    "same_day_notices_create",
    "same_day_notices_set",
    "threshold_notices_create",
]
