"""The semester risk questionnaire: pure scoring, assessment services and instrument versions.

Rules (issue 4 item 3, DESIGN §4 "Risk groups", §7):

* an instrument is data with a version; once an assessment uses it, it is never edited in place —
  a change makes version n+1 (``instrument_new_version``) and the old one stays behind its
  assessments, so every stored result can be re-explained with the items it was answered on;
* one assessment per pupil and semester: a draft the class teacher and the school's specialists
  add to, then submitted, which freezes the level, the overall share and the group shares;
* a submitted assessment is not changed: saving to it is refused. A new assessment of the same
  semester is a new version (``assessment_new_version``) that starts from the old answers while
  the old one keeps its result; reopening (``assessment_reopen``) is for correcting a mistake and
  keeps the frozen result it clears in the audit trail. Nothing is ever overwritten silently;
* submitting with unanswered items needs ``unanswered_confirmed``; the count is frozen on the
  assessment (``unanswered``) and the result says "incomplete";
* concurrent edits never overwrite each other: the form carries the ``updated_at`` it was loaded
  with, and a save or submission against a newer state is refused (``AssessmentConflict``);
* family and health items are sensitive: answering them needs ``Perm.VIEW_SENSITIVE``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pumpurs.audit.services import audit_record
from pumpurs.core.display import CENT
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.calendar import semester_on
from pumpurs.people.models import Period, Pupil, User
from pumpurs.risk.models import (
    Answer,
    Assessment,
    AssessmentAnswer,
    Instrument,
    InstrumentItem,
    Level,
    RiskGroup,
)

DEFAULT_CODE = "pumpurs-default"
ANSWER_VALUE: dict[str, Decimal] = {Answer.NO: Decimal(0), Answer.PARTLY: Decimal("0.5"), Answer.YES: Decimal(1)}

_HUNDRED = Decimal(100)


# --- Scoring (pure) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    group_scores: dict[str, Decimal]  # risk group → share of its maximum weighted score, 0–100
    share: Decimal  # share of the instrument's maximum weighted score, 0–100
    level: str  # a ``Level`` value


def _share(total: Decimal, maximum: Decimal) -> Decimal:
    if maximum <= 0:
        return Decimal("0.00")
    return (_HUNDRED * total / maximum).quantize(CENT, rounding=ROUND_HALF_UP)


def level_for(instrument: Instrument, share: Decimal) -> str:
    """none below ``low_from``, low below ``medium_from``, medium below ``high_from``, else high."""
    if share < instrument.low_from:
        return Level.NONE
    if share < instrument.medium_from:
        return Level.LOW
    if share < instrument.high_from:
        return Level.MEDIUM
    return Level.HIGH


def score(instrument: Instrument, answers: dict[str, str]) -> Scored:
    """Score ``answers`` (item code → no/partly/yes) on ``instrument``; reads its items, writes nothing.

    no = 0, partly = 0.5, yes = 1, each times the item's weight. A share is 100 × sum / maximum,
    where the maximum counts every item of the instrument, answered or not: an unanswered item
    counts as "no", so leaving an item out never raises a share. Shares are rounded to 0.01 first
    and the level is read from the rounded share, so the number shown and the level agree.
    Unknown item codes or answer values raise ``ValueError``.
    """
    items = list(instrument.items.all())
    codes = {item.code for item in items}
    unknown = set(answers) - codes
    if unknown:
        raise ValueError(f"not items of {instrument}: {sorted(unknown)}")
    bad = {value for value in answers.values() if value not in ANSWER_VALUE}
    if bad:
        raise ValueError(f"not answers: {sorted(bad)}")
    totals: dict[str, Decimal] = {}
    maxima: dict[str, Decimal] = {}
    for item in items:
        value = ANSWER_VALUE[answers[item.code]] if item.code in answers else Decimal(0)
        totals[item.group] = totals.get(item.group, Decimal(0)) + value * item.weight
        maxima[item.group] = maxima.get(item.group, Decimal(0)) + item.weight
    groups = [group for group in RiskGroup.values if group in maxima]
    share = _share(sum(totals.values(), Decimal(0)), sum(maxima.values(), Decimal(0)))
    return Scored(
        group_scores={group: _share(totals[group], maxima[group]) for group in groups},
        share=share,
        level=level_for(instrument, share),
    )


# --- Reading ---------------------------------------------------------------------------------------


def default_instrument() -> Instrument:
    """The active version of the shipped default instrument (loaded by migration 0002)."""
    return Instrument.objects.get(code=DEFAULT_CODE, is_active=True)


def assessment_for(pupil: Pupil, period: Period) -> Assessment | None:
    """The pupil's assessment of ``period`` (the newest, should a new version have followed one)."""
    return (
        Assessment.objects.filter(pupil=pupil, period=period)
        .select_related("instrument", "period__school_year")
        .order_by("-created_at", "-pk")
        .first()
    )


def assessment_history(pupil: Pupil) -> QuerySet[Assessment]:
    """Submitted assessments of ``pupil``, newest semester first."""
    return (
        Assessment.objects.filter(pupil=pupil, status=Assessment.Status.SUBMITTED)
        .select_related("instrument", "period__school_year")
        .order_by("-period__starts_on", "-submitted_at", "-pk")
    )


def latest_result(pupil: Pupil) -> Assessment | None:
    """The latest submitted assessment of ``pupil`` (frozen level, share, group scores), if any."""
    return assessment_history(pupil).first()


def group_shares(assessment: Assessment) -> dict[str, Decimal]:
    """The frozen group shares of a submitted assessment as ``Decimal`` (stored as strings)."""
    return {group: Decimal(value) for group, value in (assessment.group_scores or {}).items()}


def sensitive_groups(instrument: Instrument) -> set[str]:
    """Groups with a sensitive item: their shares are shown only with ``Perm.VIEW_SENSITIVE``."""
    return set(instrument.items.filter(sensitive=True).values_list("group", flat=True))


def unanswered_count(assessment: Assessment) -> int:
    """How many items of the assessment's instrument have no answer (each scores as "no")."""
    answered = assessment.answers.values("item_id")
    return assessment.instrument.items.exclude(pk__in=answered).count()


def answers_of(assessment: Assessment) -> dict[str, AssessmentAnswer]:
    return {a.item.code: a for a in assessment.answers.select_related("item", "answered_by")}


# --- Assessments ------------------------------------------------------------------------------------


class AssessmentConflict(ValidationError):
    """Someone saved the assessment after this form was loaded; nothing was written."""


def _locked(assessment: Assessment, expected_updated_at: dt.datetime | None) -> Assessment:
    """Lock the row and bring ``assessment`` up to date with it, so the caller's object stays current."""
    Assessment.objects.select_for_update().filter(pk=assessment.pk).values_list("pk").get()
    assessment.refresh_from_db()
    current = assessment
    if expected_updated_at is not None and current.updated_at != expected_updated_at:
        raise AssessmentConflict(
            _("Someone else saved this questionnaire after you opened it. Nothing was saved."), code="conflict"
        )
    return current


@transaction.atomic
def assessment_start(
    *, actor: User, pupil: Pupil, period: Period | None = None, now: dt.datetime | None = None
) -> Assessment:
    """Open the pupil's draft for ``period`` (default: the current semester) on the active default
    instrument, or return the assessment that semester already has (draft or submitted).

    Invariant: at most one assessment per pupil, semester and instrument (database constraint).
    Inverse: none — an assessment is history; an empty draft simply stays empty.
    """
    now = now or timezone.now()
    access.require_pupil(actor, pupil, Perm.ASSESS)
    period = period or semester_on(timezone.localdate(now))
    if period is None:
        raise ValidationError(_("No school semester is set up yet."), code="no_period")
    existing = assessment_for(pupil, period)
    if existing is not None:
        return existing
    assessment, created = Assessment.objects.get_or_create(
        pupil=pupil, period=period, instrument=default_instrument(), defaults={"created_by": actor}
    )
    if created:
        audit_record(
            at=now,
            actor=actor,
            action="risk.assessment.started",
            pupil_id=pupil.pk,
            target=assessment,
            data={
                "period": str(period),
                "instrument": assessment.instrument.code,
                "version": assessment.instrument.version,
            },
        )
    return assessment


def _save(*, actor: User, assessment: Assessment, answers: Mapping[str, tuple[str, str]]) -> list[str]:
    """Write the answers that differ; returns the codes changed. The caller holds the lock."""
    if assessment.status != Assessment.Status.DRAFT:
        raise ValidationError(
            _("This questionnaire has been submitted; reopen it to change answers."), code="submitted"
        )
    items = {item.code: item for item in assessment.instrument.items.all()}
    unknown = sorted(set(answers) - set(items))
    if unknown:
        raise ValidationError(_("Unknown questionnaire items: %(codes)s") % {"codes": ", ".join(unknown)}, code="item")
    if any(answer not in ANSWER_VALUE for answer, _comment in answers.values()):
        raise ValidationError(_("Choose no, partly or yes for every answered item."), code="answer")
    if any(items[code].sensitive for code in answers):
        access.require_pupil(actor, assessment.pupil, Perm.VIEW_SENSITIVE)
    existing = {a.item_id: a for a in assessment.answers.all()}
    changed = []
    for code, (answer, comment) in answers.items():
        item = items[code]
        row = existing.get(item.pk)
        comment = comment.strip()
        if row is not None and row.answer == answer and row.comment == comment:
            continue  # unchanged: whoever answered it stays its author
        AssessmentAnswer.objects.update_or_create(
            assessment=assessment, item=item, defaults={"answer": answer, "comment": comment, "answered_by": actor}
        )
        changed.append(code)
    return changed


@transaction.atomic
def assessment_save(
    *,
    actor: User,
    assessment: Assessment,
    answers: Mapping[str, tuple[str, str]],
    expected_updated_at: dt.datetime | None = None,
) -> Assessment:
    """Add or change answers (item code → (answer, comment)) on a draft; items left out are kept.

    Invariants: anyone with ``Perm.ASSESS`` on the pupil may add to the draft (the class teacher,
    the school's specialists, the coordinator); each changed answer records who gave it, an
    unchanged one keeps its author; sensitive items need ``Perm.VIEW_SENSITIVE``; a submitted
    assessment is refused; with ``expected_updated_at`` a newer state is refused
    (``AssessmentConflict``) instead of overwritten. Inverse: another save with other answers.
    """
    access.require_pupil(actor, assessment.pupil, Perm.ASSESS)
    current = _locked(assessment, expected_updated_at)
    changed = _save(actor=actor, assessment=current, answers=answers)
    if changed:
        current.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action="risk.assessment.saved",
            pupil_id=current.pupil_id,
            target=current,
            data={"items": changed},
        )
    return current


@transaction.atomic
def assessment_submit(
    *,
    actor: User,
    assessment: Assessment,
    answers: Mapping[str, tuple[str, str]] | None = None,
    expected_updated_at: dt.datetime | None = None,
    unanswered_confirmed: bool = False,
    now: dt.datetime | None = None,
) -> Assessment:
    """Save ``answers`` (if given) and submit: score the draft and freeze level, share and group
    shares; the instrument version is the assessment's instrument, which is never edited.

    Unanswered items count as "no" (see ``score``); with any unanswered the submission is refused
    (``ValidationError`` code ``unanswered``, nothing written) unless ``unanswered_confirmed``, and
    the count is frozen so the result reads "incomplete". Invariants as ``assessment_save``.
    Inverse: ``assessment_new_version`` (or ``assessment_reopen`` to correct a mistake).
    """
    now = now or timezone.now()
    access.require_pupil(actor, assessment.pupil, Perm.ASSESS)
    current = _locked(assessment, expected_updated_at)
    _save(actor=actor, assessment=current, answers=answers or {})
    given = {code: a.answer for code, a in answers_of(current).items()}
    missing = current.instrument.items.count() - len(given)
    if missing and not unanswered_confirmed:
        raise ValidationError(
            ngettext(
                "%(count)s item is unanswered: it would count as “no” and the result would be incomplete.",
                "%(count)s items are unanswered: they would count as “no” and the result would be incomplete.",
                missing,
            )
            % {"count": missing},
            code="unanswered",
            params={"count": missing},
        )
    scored = score(current.instrument, given)
    current.unanswered = missing
    current.status = Assessment.Status.SUBMITTED
    current.submitted_at = now
    current.level = scored.level
    current.score_share = scored.share
    current.group_scores = {group: str(value) for group, value in scored.group_scores.items()}
    current.save()
    audit_record(
        at=now,
        actor=actor,
        action="risk.assessment.submitted",
        pupil_id=current.pupil_id,
        target=current,
        data={
            "level": scored.level,
            "share": str(scored.share),
            "groups": current.group_scores,
            "instrument": current.instrument.code,
            "version": current.instrument.version,
            "answered": len(given),
            "unanswered": missing,
        },
    )
    return current


@transaction.atomic
def assessment_new_version(*, actor: User, assessment: Assessment, now: dt.datetime | None = None) -> Assessment:
    """Start a new assessment of the same pupil and semester after a submitted one: a draft
    (version n+1, ``previous`` = the old one) on the instrument in force, starting from the old
    answers of the items it still has. The old assessment keeps its frozen result, so a plan or a
    review that used it can still be explained. Refuses a draft, or an assessment a newer version
    already follows. Inverse: none — both are history."""
    now = now or timezone.now()
    access.require_pupil(actor, assessment.pupil, Perm.ASSESS)
    current = _locked(assessment, None)
    if current.status != Assessment.Status.SUBMITTED:
        raise ValidationError(_("Finish and submit this questionnaire first."), code="not_submitted")
    newest = assessment_for(current.pupil, current.period)
    if newest is not None and newest.pk != current.pk:
        raise ValidationError(_("A newer questionnaire of this semester already exists."), code="not_newest")
    instrument = default_instrument()
    version = (
        Assessment.objects.filter(pupil=current.pupil, period=current.period, instrument=instrument)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    ) + 1
    new = Assessment.objects.create(
        pupil=current.pupil,
        period=current.period,
        instrument=instrument,
        version=version,
        previous=current,
        created_by=actor,
    )
    items = {item.code: item for item in instrument.items.all()}
    AssessmentAnswer.objects.bulk_create(
        AssessmentAnswer(
            assessment=new, item=items[a.item.code], answer=a.answer, comment=a.comment, answered_by_id=a.answered_by_id
        )
        for a in current.answers.select_related("item")
        if a.item.code in items
    )
    audit_record(
        at=now,
        actor=actor,
        action="risk.assessment.new_version",
        pupil_id=current.pupil_id,
        target=new,
        data={"previous": current.pk, "version": new.version, "instrument_version": instrument.version},
    )
    return new


@transaction.atomic
def assessment_reopen(
    *, actor: User, assessment: Assessment, expected_updated_at: dt.datetime | None = None
) -> Assessment:
    """Return a submitted assessment to draft so answers can be changed; its frozen result is
    cleared here and kept in the audit event (``risk.assessment.reopened``).

    Inverse: ``assessment_submit``.
    """
    access.require_pupil(actor, assessment.pupil, Perm.ASSESS)
    current = _locked(assessment, expected_updated_at)
    if current.status != Assessment.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted questionnaire can be reopened."), code="not_submitted")
    before = {
        "level": current.level,
        "share": str(current.score_share),
        "groups": current.group_scores,
        "submitted_at": current.submitted_at.isoformat() if current.submitted_at else None,
    }
    current.status = Assessment.Status.DRAFT
    current.submitted_at = None
    current.level = ""
    current.score_share = None
    current.group_scores = {}
    current.save()
    audit_record(actor=actor, action="risk.assessment.reopened", pupil_id=current.pupil_id, target=current, data=before)
    return current


# --- Instruments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemChange:
    """A change to one item of the next version; ``None`` keeps what the item had."""

    text: str | None = None
    weight: Decimal | None = None
    sensitive: bool | None = None
    group: str | None = None


@dataclass(frozen=True)
class NewItem:
    code: str
    group: str
    text: str
    weight: Decimal = Decimal(1)
    sensitive: bool = False


def _require_manager(actor: User) -> None:
    if not access.has_perm(actor, Perm.MANAGE_INSTRUMENTS):
        raise PermissionDenied


def _item_rows(
    instrument: Instrument,
    item_changes: Mapping[str, ItemChange],
    add_items: Sequence[NewItem],
    remove_items: Collection[str],
) -> list[InstrumentItem]:
    old = list(instrument.items.all())
    codes = {item.code for item in old}
    unknown = sorted((set(item_changes) | set(remove_items)) - codes)
    if unknown:
        raise ValidationError(_("Unknown questionnaire items: %(codes)s") % {"codes": ", ".join(unknown)}, code="item")
    clash = sorted({new.code for new in add_items} & (codes - set(remove_items)))
    if clash or len({new.code for new in add_items}) != len(add_items):
        raise ValidationError(_("An item code is used twice: %(codes)s") % {"codes": ", ".join(clash)}, code="item")
    rows = []
    for item in old:
        if item.code in remove_items:
            continue
        change = item_changes.get(item.code, ItemChange())
        rows.append(
            InstrumentItem(
                group=change.group if change.group is not None else item.group,
                code=item.code,
                text=change.text if change.text is not None else item.text,
                weight=change.weight if change.weight is not None else item.weight,
                sensitive=change.sensitive if change.sensitive is not None else item.sensitive,
            )
        )
    rows += [
        InstrumentItem(group=n.group, code=n.code, text=n.text, weight=n.weight, sensitive=n.sensitive)
        for n in add_items
    ]
    if not rows:
        raise ValidationError(_("An instrument needs at least one item."), code="empty")
    for row in rows:
        if row.group not in RiskGroup.values or not row.text.strip() or row.weight <= 0:
            raise ValidationError(_("Each item needs a risk group, a text and a positive weight."), code="item")
    return rows


def _thresholds(
    instrument: Instrument, low: Decimal | None, medium: Decimal | None, high: Decimal | None
) -> tuple[Decimal, Decimal, Decimal]:
    values = (
        low if low is not None else instrument.low_from,
        medium if medium is not None else instrument.medium_from,
        high if high is not None else instrument.high_from,
    )
    if not Decimal(0) <= values[0] <= values[1] <= values[2] <= _HUNDRED:
        raise ValidationError(_("Thresholds must rise from 0 to 100: low ≤ medium ≤ high."), code="thresholds")
    return values


@transaction.atomic
def instrument_new_version(
    *,
    actor: User,
    instrument: Instrument,
    name: str | None = None,
    description: str | None = None,
    low_from: Decimal | None = None,
    medium_from: Decimal | None = None,
    high_from: Decimal | None = None,
    item_changes: Mapping[str, ItemChange] | None = None,
    add_items: Sequence[NewItem] = (),
    remove_items: Collection[str] = (),
) -> Instrument:
    """Copy ``instrument`` with the given changes into the next version of its code, make the copy
    the active one and deactivate every other version.

    Invariants: the old version and its items are left exactly as they were, so assessments that
    used it keep their meaning; only ``Perm.MANAGE_INSTRUMENTS`` (the national programme) may do
    this. Drafts already started on the old version stay on it. Inverse: none — versions are
    history; make another version to go back.
    """
    _require_manager(actor)
    rows = _item_rows(instrument, item_changes or {}, add_items, remove_items)
    low, medium, high = _thresholds(instrument, low_from, medium_from, high_from)
    latest = Instrument.objects.select_for_update().filter(code=instrument.code).order_by("-version").first()
    version = (latest.version if latest else instrument.version) + 1
    Instrument.objects.filter(code=instrument.code).update(is_active=False)
    new = Instrument.objects.create(
        code=instrument.code,
        version=version,
        name=name if name is not None else instrument.name,
        description=description if description is not None else instrument.description,
        is_official=instrument.is_official,
        is_active=True,
        low_from=low,
        medium_from=medium,
        high_from=high,
    )
    for order, row in enumerate(rows, start=1):
        row.instrument = new
        row.order = order
    InstrumentItem.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="risk.instrument.versioned",
        target=new,
        data={
            "code": new.code,
            "from_version": instrument.version,
            "version": new.version,
            "changed": sorted((item_changes or {}).keys()),
            "added": [n.code for n in add_items],
            "removed": sorted(remove_items),
        },
    )
    return new


def instrument_is_used(instrument: Instrument) -> bool:
    return Assessment.objects.filter(instrument=instrument).exists()


@transaction.atomic
def instrument_edit(
    *,
    actor: User,
    instrument: Instrument,
    item_changes: Mapping[str, ItemChange],
    low_from: Decimal | None = None,
    medium_from: Decimal | None = None,
    high_from: Decimal | None = None,
) -> Instrument:
    """Correct an instrument in place — only while no assessment uses it (e.g. a typo in a version
    just made). An instrument with assessments is refused: make a new version instead.

    Inverse: another edit, while the instrument is still unused.
    """
    _require_manager(actor)
    locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument_is_used(locked):
        raise ValidationError(
            _("This instrument has answers and is never edited: make a new version instead."), code="in_use"
        )
    rows = {row.code: row for row in _item_rows(locked, item_changes, (), ())}
    locked.low_from, locked.medium_from, locked.high_from = _thresholds(locked, low_from, medium_from, high_from)
    locked.save(update_fields=["low_from", "medium_from", "high_from"])
    for item in locked.items.all():
        row = rows[item.code]
        item.text, item.weight, item.sensitive, item.group = row.text, row.weight, row.sensitive, row.group
        item.save(update_fields=["text", "weight", "sensitive", "group"])
    audit_record(
        actor=actor,
        action="risk.instrument.edited",
        target=locked,
        data={"code": locked.code, "version": locked.version, "changed": sorted(item_changes)},
    )
    return locked
