"""A pupil's timeline: one reader method per source, merged newest first (see the package
docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from pumpurs.core.display import day_text, number_text
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Pupil
from pumpurs.risk.models import Assessment, Flag, FlagDecision, InstrumentItem, Notice, RiskGroup
from pumpurs.risk.rules import reason_text, rule_label
from pumpurs.support.delivery import is_confirmation_late
from pumpurs.support.models import Case, Consent, ContactEntry, Delivery, Plan, PlanTransition, Review
from pumpurs.support.timeline.links import case_url, plan_url

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
SUPPORT_NOTICE_KINDS = (Notice.Kind.PLAN_APPROVED, Notice.Kind.MEASURE_STARTED)
RISK_NOTICE_KINDS = tuple(k for k in Notice.Kind.values if k not in SUPPORT_NOTICE_KINDS)


def _who(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


@dataclass(frozen=True)
class Entry:
    when: dt.datetime
    kind: str  # a CSS-friendly code: flag, decision, assessment, case, plan, delivery, …
    label: str  # the kind in words
    text: str
    who: str = ""
    url: str | None = None
    date_only: bool = False  # the source knows the day, not the time
    restricted: bool = False  # a sensitive note the reader may not see
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Timeline:
    pupil: Pupil
    entries: list[Entry]
    limit: int
    has_more: bool
    shows_risk: bool
    shows_support: bool
    shows_sensitive: bool

    @property
    def next_limit(self) -> int:
        return min(self.limit + DEFAULT_LIMIT, MAX_LIMIT)


def _on_day(day: dt.date, recorded: dt.datetime | None) -> dt.datetime:
    """A time for something known by its day: when it was recorded if that was the same day
    (so it sorts among that day's other events as it happened), else the day's start."""
    if recorded is not None and timezone.localtime(recorded).date() == day:
        return recorded
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def clamp_limit(raw: str | None) -> int:
    """The ``show=`` GET parameter as a sane limit (bad values fall back to the default)."""
    try:
        value = int(raw or DEFAULT_LIMIT)
    except ValueError:
        return DEFAULT_LIMIT
    return max(1, min(value, MAX_LIMIT))


@dataclass
class _Reader:
    pupil: Pupil
    limit: int
    sensitive: bool
    links: dict[str, str | None] = field(default_factory=dict)

    def newest(self, queryset: QuerySet[Any], *order: str) -> list[Any]:
        return list(queryset.order_by(*order)[: self.limit + 1])

    def link_to_plan(self, plan: Plan) -> str | None:
        key = f"plan:{plan.pk}"
        if key not in self.links:
            self.links[key] = plan_url(plan)
        return self.links[key]

    # Risk ---------------------------------------------------------------------------------------

    def flags(self) -> Iterator[Entry]:
        rows = self.newest(
            Flag.objects.filter(pupil=self.pupil).select_related("period__school_year"), "-raised_at", "-pk"
        )
        url = reverse("pupil_detail", args=[self.pupil.public_id]) + "#risk"
        for flag in rows:
            yield Entry(
                flag.raised_at, "flag", _("Flag raised"), f"{rule_label(flag.rule)}: {reason_text(flag)}", url=url
            )

    def decisions(self) -> Iterator[Entry]:
        rows = self.newest(
            FlagDecision.objects.filter(flag__pupil=self.pupil).select_related("decided_by", "flag"),
            "-decided_at",
            "-pk",
        )
        url = reverse("pupil_detail", args=[self.pupil.public_id]) + "#risk"
        for d in rows:
            text = _("Flag “%(flag)s”: %(decision)s") % {
                "flag": rule_label(d.flag.rule),
                "decision": d.get_decision_display(),
            }
            details = [str(d.get_reason_display())] if d.reason else []
            if d.comment:
                details.append(d.comment)
            yield Entry(d.decided_at, "decision", _("Flag decision"), text, _who(d.decided_by), url, details=details)

    def assessments(self) -> Iterator[Entry]:
        rows = self.newest(
            Assessment.objects.filter(pupil=self.pupil, status=Assessment.Status.SUBMITTED).select_related(
                "created_by", "period__school_year"
            ),
            "-submitted_at",
            "-pk",
        )
        hidden: set[tuple[int, str]] = set()
        if rows and not self.sensitive:
            hidden = set(
                InstrumentItem.objects.filter(instrument_id__in={a.instrument_id for a in rows}, sensitive=True)
                .values_list("instrument_id", "group")
                .distinct()
            )
        for a in rows:
            if a.submitted_at is None:
                continue
            text = _("Risk questionnaire, %(period)s: level %(level)s") % {
                "period": a.period,
                "level": a.get_level_display() or "—",
            }
            details = []
            for group in RiskGroup:
                if group.value not in (a.group_scores or {}):
                    continue
                if (a.instrument_id, group.value) in hidden:
                    details.append(_("%(group)s: hidden (sensitive group)") % {"group": group.label})
                else:
                    share = Decimal(str(a.group_scores[group.value]))
                    details.append(f"{group.label}: {number_text(share.quantize(Decimal(1)))} %")
            url = reverse("questionnaire_assessment", args=[a.public_id])
            yield Entry(
                a.submitted_at, "assessment", _("Questionnaire"), text, _who(a.created_by), url, details=details
            )

    def notices(self, kinds: Iterable[str]) -> Iterator[Entry]:
        rows = self.newest(
            Notice.objects.filter(pupil=self.pupil, kind__in=list(kinds)).select_related("guardian"),
            "-created_at",
            "-pk",
        )
        for n in rows:
            to = str(n.guardian) if n.guardian else n.recipient_email or "—"
            text = _("%(kind)s, to %(to)s (%(status)s)") % {
                "kind": capfirst(n.get_kind_display()),
                "to": to,
                "status": n.get_status_display(),
            }
            yield Entry(n.created_at, "notice", _("Notice"), text)

    # Support ------------------------------------------------------------------------------------

    def cases(self) -> Iterator[Entry]:
        rows = self.newest(
            Case.objects.filter(pupil=self.pupil).select_related("opened_by", "institution"), "-opened_at", "-pk"
        )
        for case in rows:
            url = case_url(case)
            text = _("Support case opened at %(school)s (%(origin)s)") % {
                "school": case.institution.name,
                "origin": case.get_origin_display(),
            }
            yield Entry(case.opened_at, "case", _("Case"), text, _who(case.opened_by), url)
            if case.closed_at is not None:
                text = _("Support case closed: %(reason)s") % {"reason": case.get_close_reason_display()}
                yield Entry(case.closed_at, "case", _("Case"), text, url=url)

    def transitions(self) -> Iterator[Entry]:
        rows = self.newest(
            PlanTransition.objects.filter(plan__case__pupil=self.pupil).select_related(
                "actor", "plan__period__school_year"
            ),
            "-at",
            "-pk",
        )
        for t in rows:
            text = _("Support plan, %(period)s: %(action)s, now “%(status)s”") % {
                "period": t.plan.period,
                "action": t.get_action_display(),
                "status": t.get_to_status_display(),
            }
            details = [t.comment] if t.comment else []
            who = _who(t.actor) or _("the system")
            yield Entry(t.at, "plan", _("Plan"), text, who, self.link_to_plan(t.plan), details=details)

    def deliveries(self) -> Iterator[Entry]:
        rows = self.newest(
            Delivery.objects.filter(line__plan__case__pupil=self.pupil).select_related(
                "line__measure", "line__plan", "specialist", "recorded_by", "voided_by"
            ),
            "-delivered_on",
            "-pk",
        )
        for d in rows:
            measure = d.line.measure
            if d.minutes is not None:
                text = _("%(measure)s: %(minutes)s min, %(mode)s") % {
                    "measure": measure.label,
                    "minutes": d.minutes,
                    "mode": d.get_mode_display(),
                }
            else:
                text = _("%(measure)s: %(quantity)s (%(unit)s)") % {
                    "measure": measure.label,
                    "quantity": number_text(d.quantity),
                    "unit": measure.get_unit_display(),
                }
            details = []
            # A consultation's topic can reveal a family or health matter.
            if d.topic:
                details.append(d.topic if self.sensitive else _("topic shown only to roles that see sensitive notes"))
            if d.is_remote and d.confirmed_at is None and is_confirmation_late(d):
                details.append(_("not confirmed by the pupil in time"))
            if d.voided_at is not None:
                text = _("%(delivery)s — voided, not counted") % {"delivery": text}
            who = _who(d.specialist or d.recorded_by)
            url = self.link_to_plan(d.line.plan)
            yield Entry(
                _on_day(d.delivered_on, d.recorded_at), "delivery", _("Delivery"), text, who, url, True, details=details
            )
            if d.voided_at is not None:
                # The reason may name the pupil's circumstances: as a topic, only for sensitive roles.
                reason = d.void_reason if self.sensitive else _("reason shown only to roles that see sensitive notes")
                yield Entry(
                    d.voided_at,
                    "delivery",
                    _("Delivery"),
                    _("Delivery of %(date)s voided: entered by mistake") % {"date": day_text(d.delivered_on)},
                    _who(d.voided_by),
                    url,
                    details=[reason],
                )

    def consents(self) -> Iterator[Entry]:
        rows = self.newest(
            Consent.objects.filter(case__pupil=self.pupil).select_related(
                "guardian", "recorded_by", "withdrawal_recorded_by"
            ),
            "-given_on",
            "-pk",
        )
        for c in rows:
            by = _("the pupil") if c.by_pupil else str(c.guardian or "—")
            text = _("Consent given by %(by)s (%(method)s)") % {"by": by, "method": c.get_method_display()}
            yield Entry(
                _on_day(c.given_on, c.recorded_at), "consent", _("Consent"), text, _who(c.recorded_by), date_only=True
            )
            if c.withdrawn_on is not None:
                text = _("Consent withdrawn: no new deliveries from this day")
                details = [c.withdrawal_note] if c.withdrawal_note and self.sensitive else []
                yield Entry(
                    _on_day(c.withdrawn_on, None),
                    "consent",
                    _("Consent"),
                    text,
                    _who(c.withdrawal_recorded_by),
                    date_only=True,
                    details=details,
                )

    def contacts(self) -> Iterator[Entry]:
        rows = self.newest(
            ContactEntry.objects.filter(case__pupil=self.pupil).select_related("recorded_by", "guardian"),
            "-happened_at",
            "-pk",
        )
        for c in rows:
            who = _who(c.recorded_by)
            if c.sensitive and not self.sensitive:
                yield Entry(c.happened_at, "contact", _("Contact"), _("Restricted note"), who, restricted=True)
                continue
            text = _("%(channel)s with %(whom)s") % {
                "channel": c.get_channel_display(),
                "whom": str(c.guardian) if c.guardian else _("the family"),
            }
            yield Entry(c.happened_at, "contact", _("Contact"), text, who, details=[c.summary])

    def reviews(self) -> Iterator[Entry]:
        rows = self.newest(
            Review.objects.filter(plan__case__pupil=self.pupil).select_related(
                "reviewed_by", "plan__period__school_year"
            ),
            "-reviewed_at",
            "-pk",
        )
        for r in rows:
            text = _("Review of the plan, %(period)s: %(decision)s") % {
                "period": r.plan.period,
                "decision": r.get_decision_display(),
            }
            details = [str(r.get_close_reason_display())] if r.close_reason else []
            yield Entry(
                r.reviewed_at,
                "review",
                _("Review"),
                text,
                _who(r.reviewed_by),
                self.link_to_plan(r.plan),
                details=details,
            )


def pupil_timeline(user: Viewer, *, pupil: Pupil, limit: int = DEFAULT_LIMIT) -> Timeline:
    """The pupil's history as ``user`` may read it, newest first, at most ``limit`` entries.

    The caller has already fetched ``pupil`` through ``access.pupils_visible_to`` (404 otherwise).
    Queries: three permission checks, then one per source (about a dozen), whatever the history's
    length."""
    shows_risk = access.can_see_pupil(user, pupil, Perm.VIEW_RISK)
    shows_support = access.can_see_pupil(user, pupil, Perm.VIEW_SUPPORT)
    shows_sensitive = access.can_see_pupil(user, pupil, Perm.VIEW_SENSITIVE)
    reader = _Reader(pupil=pupil, limit=limit, sensitive=shows_sensitive)
    sources: list[Iterable[Entry]] = []
    notice_kinds: list[str] = []
    if shows_risk:
        sources += [reader.flags(), reader.decisions(), reader.assessments()]
        notice_kinds += RISK_NOTICE_KINDS
    if shows_support:
        sources += [
            reader.cases(),
            reader.transitions(),
            reader.deliveries(),
            reader.consents(),
            reader.contacts(),
            reader.reviews(),
        ]
        notice_kinds += SUPPORT_NOTICE_KINDS
    if notice_kinds:
        sources.append(reader.notices(notice_kinds))
    merged = sorted((e for source in sources for e in source), key=lambda e: e.when, reverse=True)
    return Timeline(
        pupil=pupil,
        entries=merged[:limit],
        limit=limit,
        has_more=len(merged) > limit,
        shows_risk=shows_risk,
        shows_support=shows_support,
        shows_sensitive=shows_sensitive,
    )
