"""Support cases: opening and closing, the support team, the family contact log and consent
(issue 5, items 2–3). Every write is one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core.display import day_text
from pumpurs.core.uploads import attach_on_commit
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Enrolment, Guardian, Pupil, User
from pumpurs.risk.models import Assessment, Flag, FlagStatus
from pumpurs.support.models import Case, CloseReason, Consent, ContactEntry, PlanStatus, TeamMember
from pumpurs.support.plans import plan_close_unfinished, plans_reopen_with_case
from pumpurs.support.scope import require_case
from pumpurs.support.stewardship import require_case_change, require_steward


def _school_of(pupil: Pupil, today: dt.date) -> int:
    enrolment = (
        Enrolment.objects.filter(pupil=pupil, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .order_by("-starts_on")
        .first()
    )
    if enrolment is None:
        raise ValidationError(_("The pupil is not enrolled in a school today; a case needs a school."))
    return enrolment.institution_id


def open_case_of(pupil: Pupil) -> Case | None:
    return Case.objects.filter(pupil=pupil, status=Case.Status.OPEN).first()


@transaction.atomic
def case_open(
    *,
    actor: User,
    pupil: Pupil,
    flag: Flag | None = None,
    assessment: Assessment | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Open the pupil's support case at their current school, from an accepted flag, a submitted
    questionnaire, or by hand (then ``reason`` is required). The opener joins the team as lead.

    Invariant: at most one open case per pupil (database constraint). Inverse: ``case_close``."""
    now = now or timezone.now()
    access.require_pupil(actor, pupil, Perm.MANAGE_CASES)
    school_id = _school_of(pupil, timezone.localdate(now))
    # A case is the school's that runs it (decision 0020): the school the pupil left keeps seeing
    # them for a while, but opens no case at the new one.
    if not access.institutions_visible_to(actor, Perm.MANAGE_CASES).filter(pk=school_id).exists():
        raise PermissionDenied(_("You may not do this for this pupil."))
    if flag is not None:
        if flag.pupil_id != pupil.pk:
            raise ValidationError(_("The flag belongs to another pupil."))
        if flag.status != FlagStatus.ACCEPTED:
            raise ValidationError(_("Accept the flag before opening a case from it."))
        origin = Case.Origin.FLAG
    elif assessment is not None:
        if assessment.pupil_id != pupil.pk or assessment.status != Assessment.Status.SUBMITTED:
            raise ValidationError(_("A case opens from a submitted questionnaire of this pupil."))
        origin = Case.Origin.ASSESSMENT
    else:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the pupil needs support.")})
        origin = Case.Origin.MANUAL
    existing = open_case_of(pupil)
    if existing is not None:
        raise ValidationError(_("The pupil already has an open case."), code="case_exists")
    try:
        with transaction.atomic():
            case = Case.objects.create(
                pupil=pupil,
                institution_id=school_id,
                origin=origin,
                origin_flag=flag,
                origin_assessment=assessment,
                reason=reason.strip(),
                opened_by=actor,
                opened_at=now,
            )
    except IntegrityError as exc:  # opened by someone else a moment ago
        raise ValidationError(_("The pupil already has an open case."), code="case_exists") from exc
    TeamMember.objects.create(case=case, user=actor, role=TeamMember.Role.LEAD, added_by=actor, added_at=now)
    audit_record(
        at=now,
        actor=actor,
        action="support.case.opened",
        pupil_id=pupil.pk,
        target=case,
        data={"origin": origin, "flag": flag.pk if flag else None, "assessment": assessment.pk if assessment else None},
    )
    return case


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str) -> Case:
    """Close a case with a reason (``CloseReason``), by its lead or the school coordinator.
    Plans still in preparation or approval are closed with it; an active plan must be reviewed
    first (the review closes the case itself). Inverse: ``case_reopen``."""
    require_steward(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.IN_REVIEW]).exists():
        raise ValidationError(_("The case has an active plan: review it first; the review closes the case."))
    for plan in case.plans.exclude(status=PlanStatus.CLOSED):
        plan_close_unfinished(
            actor=actor,
            plan=plan,
            comment="",  # the case's close reason says why, in each reader's language
        )
    return close_locked_case(actor=actor, case=case, reason=reason)


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str, now: dt.datetime | None = None) -> Case:
    """Reopen a case closed by mistake or too early, by its lead or the school coordinator, with
    a reason. The plans its closing ended unfinished (not those a review closed) return to draft,
    so the semester can be planned again; consent is not revived — a withdrawn one stays
    withdrawn and a plan needs a new one. Refused while the pupil has another open case.
    Inverse: ``case_close``."""
    now = now or timezone.now()
    require_steward(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Case.Status.CLOSED:
        raise ValidationError(_("The case is open."), code="open")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    if Case.objects.filter(pupil_id=case.pupil_id, status=Case.Status.OPEN).exists():
        raise ValidationError(_("The pupil has another open case; continue that one."), code="case_exists")
    closed_at, close_reason = case.closed_at, case.close_reason
    case.status, case.closed_at, case.close_reason = Case.Status.OPEN, None, ""
    case.save(update_fields=["status", "closed_at", "close_reason"])
    reopened = plans_reopen_with_case(actor=actor, case=case, closed_at=closed_at, now=now)
    audit_record(
        at=now,
        actor=actor,
        action="support.case.reopened",
        pupil_id=case.pupil_id,
        target=case,
        data={"was_closed_at": closed_at.isoformat() if closed_at else None, "reason": close_reason, "plans": reopened},
    )
    return case


def close_locked_case(*, actor: User, case: Case, reason: str, now: dt.datetime | None = None) -> Case:
    """The closing itself, for ``case_close`` and the semester review (which has already checked
    its own permission and holds the case's lock)."""
    if case.status != Case.Status.OPEN:
        raise ValidationError(_("The case is already closed."))
    if reason not in CloseReason.values:
        raise ValidationError({"reason": _("Choose why the case is closed.")})
    case.status, case.closed_at, case.close_reason = Case.Status.CLOSED, now or timezone.now(), reason
    case.save(update_fields=["status", "closed_at", "close_reason"])
    audit_record(
        at=case.closed_at,
        actor=actor,
        action="support.case.closed",
        pupil_id=case.pupil_id,
        target=case,
        data={"reason": reason},
    )
    return case


@transaction.atomic
def team_member_add(*, actor: User, case: Case, user: User, role: str, now: dt.datetime | None = None) -> TeamMember:
    """Add a colleague of the case's school to its support team (by someone who may change the
    case). Inverse: ``team_member_remove``."""
    now = now or timezone.now()
    require_case_change(actor, case)
    if role not in TeamMember.Role.values:
        raise ValidationError({"role": _("Choose the member's role in the team.")})
    if not access.staff_of(case.institution_id).filter(pk=user.pk).exists():
        raise ValidationError({"user": _("Only staff of the pupil's school can join the support team.")})
    if case.team.filter(user=user, removed_at__isnull=True).exists():
        raise ValidationError({"user": _("This person is already in the team.")})
    member = TeamMember.objects.create(case=case, user=user, role=role, added_by=actor, added_at=now)
    audit_record(
        at=now,
        actor=actor,
        action="support.team.added",
        pupil_id=case.pupil_id,
        target=case,
        data={"user": user.pk, "role": role},
    )
    return member


@transaction.atomic
def team_member_remove(*, actor: User, member: TeamMember) -> TeamMember:
    """Take someone off the team from now; the history keeps them. Members may leave themselves;
    taking someone else off is for the case lead or the school coordinator; the last lead stays
    until another lead is added. Inverse: ``team_member_add``."""
    if member.user_id == actor.pk:
        require_case_change(actor, member.case)
    else:
        require_steward(actor, member.case)
    list(TeamMember.objects.select_for_update().filter(case_id=member.case_id).values_list("pk"))
    member.refresh_from_db()
    if member.removed_at is not None:
        raise ValidationError(_("This person has already left the team."))
    leads = member.case.team.filter(role=TeamMember.Role.LEAD, removed_at__isnull=True)
    if member.role == TeamMember.Role.LEAD and not leads.exclude(pk=member.pk).exists():
        raise ValidationError(
            _("The case needs a lead: add another colleague as the case lead first, then take this one off."),
            code="last_lead",
        )
    member.removed_at = timezone.now()
    member.save(update_fields=["removed_at"])
    audit_record(
        actor=actor,
        action="support.team.removed",
        pupil_id=member.case.pupil_id,
        target=member.case,
        data={"user": member.user_id},
    )
    return member


@transaction.atomic
def contact_log(
    *,
    actor: User,
    case: Case,
    happened_at: dt.datetime,
    channel: str,
    summary: str,
    guardian: Guardian | None = None,
    sensitive: bool = False,
    now: dt.datetime | None = None,
) -> ContactEntry:
    """Log a contact with the family. A sensitive note (health, family situation) is written only
    by someone allowed to read such notes. Inverse: none — the log is history."""
    now = now or timezone.now()
    require_case_change(actor, case)
    if sensitive:
        require_case(actor, case, Perm.VIEW_SENSITIVE)
    if guardian is not None and guardian.pupil_id != case.pupil_id:
        raise ValidationError({"guardian": _("Choose one of this pupil's guardians.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Write what was discussed.")})
    if happened_at > now:
        raise ValidationError({"happened_at": _("A contact cannot be in the future.")})
    if channel not in ContactEntry.Channel.values:
        raise ValidationError({"channel": _("Choose how the contact happened.")})
    entry = ContactEntry.objects.create(
        case=case,
        guardian=guardian,
        happened_at=happened_at,
        channel=channel,
        summary=summary.strip(),
        sensitive=sensitive,
        recorded_by=actor,
    )
    # The summary itself stays out of the audit trail (it may be special-category data).
    audit_record(
        at=now,
        actor=actor,
        action="support.contact.logged",
        pupil_id=case.pupil_id,
        target=entry,
        data={"channel": channel, "sensitive": sensitive},
    )
    return entry


@transaction.atomic
def consent_record(
    *,
    actor: User,
    case: Case,
    given_on: dt.date,
    method: str,
    guardian: Guardian | None = None,
    by_pupil: bool = False,
    document: Any = None,
    now: dt.datetime | None = None,
) -> Consent:
    """Record the parent's (or the adult pupil's) application for support. A plan cannot be
    submitted without one. Inverse: ``consent_withdraw``."""
    now = now or timezone.now()
    require_case_change(actor, case)
    if case.status != Case.Status.OPEN:
        raise ValidationError(_("The case is closed."))
    if (guardian is None) == (not by_pupil):
        raise ValidationError({"guardian": _("Say who gave consent: a guardian, or the pupil if of age.")})
    if guardian is not None and guardian.pupil_id != case.pupil_id:
        raise ValidationError({"guardian": _("Choose one of this pupil's guardians.")})
    if by_pupil and _age_on(case.pupil, given_on) < 18:
        raise ValidationError({"by_pupil": _("The pupil is under 18: a guardian gives consent.")})
    if given_on > timezone.localdate(now):
        raise ValidationError({"given_on": _("Consent cannot be dated in the future.")})
    if method not in Consent.Method.values:
        raise ValidationError({"method": _("Choose how consent was given.")})
    consent = Consent(
        case=case, guardian=guardian, by_pupil=by_pupil, given_on=given_on, method=method, recorded_by=actor
    )
    if document:
        attach_on_commit(consent, "document", document, folder=str(consent.public_id))
    consent.save()
    audit_record(
        at=now,
        actor=actor,
        action="support.consent.recorded",
        pupil_id=case.pupil_id,
        target=consent,
        data={"given_on": given_on.isoformat(), "method": method, "by_pupil": by_pupil, "document": bool(document)},
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: User, consent: Consent, withdrawn_on: dt.date, note: str = "", now: dt.datetime | None = None
) -> Consent:
    """Record that consent was withdrawn, by the case lead or the school coordinator: from
    ``withdrawn_on`` no delivery is accepted, and every page of the case shows it. There is no
    undo — withdrawing is the family's decision; the way back is a new application.
    Inverse: ``consent_record`` (a new application)."""
    now = now or timezone.now()
    require_steward(actor, consent.case)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(
            _("This consent was already withdrawn on %(date)s.") % {"date": day_text(consent.withdrawn_on)}
        )
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("Withdrawal cannot be before consent was given.")})
    if withdrawn_on > timezone.localdate(now):
        raise ValidationError({"withdrawn_on": _("Withdrawal cannot be dated in the future.")})
    consent.withdrawn_on, consent.withdrawal_note, consent.withdrawal_recorded_by = withdrawn_on, note.strip(), actor
    consent.save(update_fields=["withdrawn_on", "withdrawal_note", "withdrawal_recorded_by"])
    audit_record(
        at=now,
        actor=actor,
        action="support.consent.withdrawn",
        pupil_id=consent.case.pupil_id,
        target=consent,
        data={"withdrawn_on": withdrawn_on.isoformat()},
    )
    return consent


def _age_on(pupil: Pupil, day: dt.date) -> int:
    born = pupil.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


__all__ = [
    "case_close",
    "case_open",
    "case_reopen",
    "close_locked_case",
    "consent_record",
    "consent_withdraw",
    "contact_log",
    "open_case_of",
    "team_member_add",
    "team_member_remove",
]
