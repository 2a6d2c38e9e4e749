"""The support cycle of the Gulbene demo (issue 5, "Done when"): cases, teams, contact logs and
consent; plans in every state; consultations and compensations; and a finished review of the
previous semester whose continuations are this semester's plans.

Runs after ``risk.seeding`` inside the seed's transaction. Deterministic by seed: one
``random.Random`` and database reads in key order.

**This semester** goes through the real services with the demo's users as actors, so the audit
trail, the notices and every refusal rule apply. The services judge dates by the moment they are
told is now, and the seed writes a semester's story ("opened on 8 September, approved on the 19th,
consultations every week since") for any ``--today``: each step sets the story's
:class:`StoryClock` to its moment (never later than the seed's ``today``) and passes it to the
service as ``now`` (decision record 0013). Nothing replaces the process clock.

**The previous semester** is history written with the ORM. The services cannot write it even
at the story's moments: the seed enrols pupils in this school year only, and opening a case needs
an enrolment on the day. The rows are those the services would have produced — the transitions
created → submitted → three approvals → activated → review started → closed, deliveries inside
the plan's active weeks and within its planned quantities, goal outcomes, each measure's
usefulness and the review. Audit events are not written for this synthetic history (the trail
records what happened in this installation). Two pieces do go through services, at the story's moments:
the review's questionnaire (``risk.questionnaire``, as ``risk.seeding`` fills them) and, for the
decisions "continue" and "change", this semester's pre-filled draft (``plans.plan_continue``, as
the review service does), linked by ``Plan.previous`` and ``Review.next_plan``.

Money: unit prices are finance's rates (decision 0044), which ``finance_seed_rates`` sets, as
**examples**, for consultations before this seed runs (``pumpurs seed``); without them consultations
keep no cost (visibly "not set"). The planned costs of transport, meals, items and activities (in
``profiles``) are **examples** for the demo, entered on the plan lines as a preparer would.

"This semester" is the one containing the seed's ``today`` — in a holiday the one that ended
last, with the story ending on its last working day. A plan "approved and waiting for its
semester" needs the next semester in the calendar: in the second semester it is not there yet (the
calendar holds school years up to today's, and from June the next one too), and that plan is left
out. In the
first seeded semester (autumn 2024) there is no previous semester, and so no history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from django.db.models import Count

from pumpurs.people.calendar import semester_on, weekday_on_or_before
from pumpurs.people.models import Enrolment, Institution, Period, Role, RoleGrant, SpecialistKind, User
from pumpurs.risk.models import Assessment, Flag, FlagStatus
from pumpurs.risk.questionnaire import default_instrument
from pumpurs.support.catalogue import measures_in_force
from pumpurs.support.models import Case, ContactEntry, Delivery, Plan, Review
from pumpurs.support.plans import next_period
from pumpurs.support.seeding.clock import StoryClock
from pumpurs.support.seeding.current import _current
from pumpurs.support.seeding.history import _history
from pumpurs.support.seeding.profiles import CURRENT, HISTORY
from pumpurs.support.seeding.story import Staff, Story

__all__ = ["support_seed"]


def support_seed(*, seed: int, today: dt.date) -> dict[str, int]:
    """Write the Gulbene demo's support cycle; returns counts. Expects the people, the facts and
    the risk picture of ``risk_seed`` (accepted flags); does nothing when there is no semester."""
    period = semester_on(today)
    national = RoleGrant.objects.filter(role=Role.NATIONAL_PROGRAMME).order_by("user__username").first()
    municipality = RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR).order_by("user__username").first()
    if period is None or national is None or municipality is None:
        return {}
    end = weekday_on_or_before(min(today, period.ends_on), period.starts_on)
    enrolments = {
        e.pupil_id: e
        for e in Enrolment.objects.filter(ends_on__isnull=True)
        .select_related("pupil", "institution", "class_group__class_teacher")
        .order_by("pupil_id")
    }
    story = Story(
        rng=random.Random(f"support-{seed}"),  # noqa: S311 — synthetic demo data, not secrets
        clock=StoryClock(today),
        period=period,
        end=end,
        staff=_staff(),
        municipality=municipality.user,
        national=national.user,
        enrolments=enrolments,
        measures={m.code: m for m in measures_in_force(period.starts_on).order_by("code")},
        item_codes=list(default_instrument().items.order_by("order").values_list("code", flat=True)),
    )
    flagged = set(Flag.objects.values_list("pupil_id", flat=True))
    assessed = set(Assessment.objects.filter(period=period).values_list("pupil_id", flat=True))
    quiet = [
        p
        for p, e in enrolments.items()
        if p not in flagged
        and p not in assessed
        and e.starts_on <= period.starts_on
        and e.institution_id in story.staff
    ]
    accepted = sorted(
        {
            p
            for p in Flag.objects.filter(period=period, status=FlagStatus.ACCEPTED).values_list("pupil_id", flat=True)
            if p in enrolments and enrolments[p].starts_on <= end and enrolments[p].institution_id in story.staff
        }
    )
    story.rng.shuffle(quiet)
    story.rng.shuffle(accepted)
    previous = Period.objects.filter(ends_on__lt=period.starts_on).order_by("-starts_on").first()
    if previous is not None and next_period(previous) == period:
        for slot in HISTORY:
            enrolment = story.pick(quiet, slot.prefer)
            if enrolment is not None:
                _history(story, slot, enrolment, previous)
    following = next_period(period)
    for slot in CURRENT:
        if slot.target == "next" and following is None:
            continue  # see the module docstring: no semester to wait for
        enrolment = story.pick(accepted if slot.origin == "flag" else quiet, slot.prefer, strict=slot.origin == "flag")
        if enrolment is None and slot.origin == "flag" and slot.prefer:
            # No accepted flag where the story wants one (illness no longer flags, decision 0023):
            # the teacher's draft there starts by hand instead, so the showcase login still has it.
            slot = dataclasses.replace(slot, origin="manual")
            enrolment = story.pick(quiet, slot.prefer)
        if enrolment is not None:
            _current(story, slot, enrolment, following)
    plans = dict(Plan.objects.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "cases": Case.objects.count(),
        "plans": sum(plans.values()),
        **{f"plans_{status}": n for status, n in plans.items()},
        "consultations": Delivery.objects.exclude(mode="").count(),
        "compensations": Delivery.objects.filter(mode="").count(),
        "reviews": Review.objects.count(),
        "contacts": ContactEntry.objects.count(),
        "low_income": story.counts["low_income"],
    }


def _staff() -> dict[int, Staff]:
    """The first director, coordinator, psychologist and social pedagogue of each school."""
    found: dict[tuple[int, str], User] = {}
    grants = RoleGrant.objects.filter(institution__isnull=False).select_related("user").order_by("user__username")
    for grant in grants:
        key = grant.specialist_kind if grant.role == Role.SPECIALIST else grant.role
        found.setdefault((grant.institution_id or 0, key), grant.user)
    staff = {}
    for institution_id in Institution.objects.order_by("pk").values_list("pk", flat=True):
        roles = [Role.DIRECTOR, Role.SCHOOL_COORDINATOR, SpecialistKind.PSYCHOLOGIST, SpecialistKind.SOCIAL_PEDAGOGUE]
        people = [found.get((institution_id, role)) for role in roles]
        if all(people):
            staff[institution_id] = Staff(*people)  # type: ignore[arg-type]  # checked just above
    return staff
