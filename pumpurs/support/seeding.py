"""The support cycle of the Gulbene demo (issue 5, "Done when"): cases, teams, contact logs and
consent; plans in every state; consultations and compensations; and a finished review of the
previous semester whose continuations are this semester's plans.

Runs after ``risk.seeding`` inside the seed's transaction. Deterministic by seed: one
``random.Random`` and database reads in key order.

**This semester** goes through the real services with the demo's users as actors, so the audit
trail, the notices and every refusal rule apply. The services judge dates by today's date, but the
seed writes a semester's story ("opened on 8 September, approved on the 19th, consultations every
week since") for any ``--today``. So while the story is written, ``django.utils.timezone.now`` is
replaced by a :class:`StoryClock` set to the moment of each step — never later than the seed's
``today`` — and restored afterwards. It exists only here, in seeding: no service takes a date to
back-date with.

**The previous semester** is history written with the ORM. The services cannot write it even
under the story clock: the seed enrols pupils in this school year only, and opening a case needs
an enrolment on the day. The rows are those the services would have produced — the transitions
created → submitted → three approvals → activated → review started → closed, deliveries inside
the plan's active weeks and within its planned quantities, goal outcomes, each measure's
usefulness and the review. Audit events are not written for this synthetic history (the trail
records what happened in this installation). Two pieces do go through services under the clock:
the review's questionnaire (``risk.questionnaire``, as ``risk.seeding`` fills them) and, for the
decisions "continue" and "change", this semester's pre-filled draft (``plans.plan_continue``, as
the review service does), linked by ``Plan.previous`` and ``Review.next_plan``.

Money: the catalogue's unit costs are unknown and stay unset. The planned costs of transport,
meals, items and activities below are **examples** for the demo, entered on the plan lines as a
preparer would; consultations keep no cost (visibly "not set").

"This semester" is the one containing the seed's ``today`` — in a holiday the one that ended
last, with the story ending on its last working day. A plan "approved and waiting for its
semester" needs the next semester in the calendar: in the second semester or the summer it is not
there yet (the calendar holds school years up to today's), and that plan is left out. In the
first seeded semester (autumn 2024) there is no previous semester, and so no history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from pumpurs.people.models import Enrolment, Institution, Period, Pupil, Role, RoleGrant, SpecialistKind, User
from pumpurs.risk.models import Assessment, Flag, FlagStatus
from pumpurs.risk.questionnaire import assessment_start, assessment_submit, default_instrument
from pumpurs.support.cases import case_open, consent_record, consent_withdraw, contact_log, team_member_add
from pumpurs.support.catalogue import low_income_status_record, measures_in_force
from pumpurs.support.delivery import compensation_record, consultation_confirm, consultation_record
from pumpurs.support.models import (
    Case,
    CloseReason,
    Consent,
    ContactEntry,
    Delivery,
    Goal,
    LowIncomeStatus,
    Measure,
    Outcome,
    Plan,
    PlanMeasure,
    PlanRisk,
    PlanStatus,
    PlanTransition,
    Review,
    TeamMember,
    Usefulness,
)
from pumpurs.support.plans import (
    GoalInput,
    MeasureInput,
    RiskInput,
    next_period,
    plan_approve,
    plan_continue,
    plan_create,
    plan_return,
    plan_review_start,
    plan_save,
    plan_submit,
)
from pumpurs.support.reviews import review_submit

CHAIN = "director,municipality,national"
SHOWCASE_TEACHER = "lizums.audzinataja"  # the class teacher `pumpurs demo` prints first
SHOWCASE_SCHOOL = "DEMO-LIZUMS"
MINUTES = (40, 45, 45, 60)


@dataclass(frozen=True)
class Line:
    code: str
    quantity: int
    example_unit_cost: str | None = None  # an EXAMPLE price for the demo, not a programme figure
    provider: str = ""  # "psychologist", "social_pedagogue" or "teacher": who delivers
    provider_name: str = ""


@dataclass(frozen=True)
class Profile:
    """One kind of support need: what the plan says, and which questionnaire items lean "yes"."""

    risks: tuple[tuple[str, str], ...]
    goals: tuple[tuple[str, str], ...]
    lines: tuple[Line, ...]
    items: tuple[str, ...]
    low_income: bool = False


PROFILES = {
    "absences": Profile(
        risks=(("learning", "Daudz neattaisnotu kavējumu"), ("family", "Vecāki maz iesaistās skolas dzīvē")),
        goals=(
            ("Apmeklēt skolu regulāri", "Ne vairāk kā 5 neattaisnotas stundas mēnesī"),
            ("Vecāki piedalās sarunās ar skolu", "Vismaz 2 tikšanās semestrī"),
        ),
        lines=(
            Line("consult-social-pedagogue", 10, provider="social_pedagogue"),
            Line("transport", 120, "1.50", provider_name="Reģionālais autobuss (mēnešbiļetes)"),
        ),
        items=("unjustified-absences", "motivation", "parental-involvement"),
    ),
    "learning": Profile(
        risks=(("learning", "Nepietiekami vērtējumi matemātikā"), ("learning", "Zema mācību motivācija")),
        goals=(
            ("Uzlabot sekmes matemātikā", "Semestra vērtējums matemātikā vismaz 5 balles"),
            ("Laikā iesniegt mājas darbus", "Vismaz 80 % mājas darbu iesniegti laikā"),
        ),
        lines=(
            Line("consult-teacher", 16, provider="teacher"),
            Line("consult-psychologist", 6, provider="psychologist"),
        ),
        items=("learning-difficulties", "dislike-of-learning", "motivation"),
    ),
    "wellbeing": Profile(
        risks=(("social_health", "Konflikti ar klasesbiedriem"), ("social_health", "Trauksme, izvairās nākt uz skolu")),
        goals=(
            ("Mazināt konfliktus klasē", "Ne vairāk kā 1 starpgadījums mēnesī"),
            ("Justies droši skolā", "Skolēna pašvērtējums vismaz 7 no 10"),
        ),
        lines=(
            Line("consult-psychologist", 12, provider="psychologist"),
            Line("youth-activity", 1, "40.00", provider_name="Jauniešu centra pulciņš"),
        ),
        items=("school-conflicts", "behaviour", "risky-social-environment"),
    ),
    "economic": Profile(
        risks=(("economic", "Ģimenei trūkst līdzekļu apģērbam un apaviem"), ("learning", "Kavē ziemā")),
        goals=(
            ("Apmeklēt skolu arī ziemā", "Ne vairāk kā 3 kavētas dienas mēnesī"),
            ("Paēst skolā katru dienu", "Pusdienas vismaz 4 dienas nedēļā"),
        ),
        lines=(
            Line("individual-items", 150, "1.00", provider_name="Apģērbs un apavi (veikala čeki)"),
            Line("meals", 80, "2.80", provider_name="Skolas ēdnīca"),
            Line("consult-social-pedagogue", 6, provider="social_pedagogue"),
        ),
        items=("material-conditions", "unjustified-absences", "family-situation"),
        low_income=True,
    ),
}
CONTACTS = (
    (ContactEntry.Channel.PHONE, "Pārrunāti kavējumi; mamma apsolīja sekot līdzi rītiem.", False),
    (ContactEntry.Channel.IN_PERSON, "Tikšanās skolā ar vecākiem un skolēnu; vienojās par atbalsta plānu.", False),
    (ContactEntry.Channel.EJOURNAL, "Nosūtīta ziņa par konsultāciju laikiem.", False),
    (ContactEntry.Channel.HOME_VISIT, "Ģimenē ir slimība; bērns rūpējas par jaunākajiem brāļiem.", True),
)


class StoryClock:
    """Stands in for ``django.utils.timezone.now`` while the seed writes a story (see the module
    docstring); ``set`` moves it, leaving the block restores the real clock."""

    def __init__(self, latest: dt.date) -> None:
        self.latest = latest
        self.moment = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> dt.datetime:
        if timezone.localtime(moment).date() > self.latest:
            raise ValueError(f"The story would run past the seed's today ({moment:%Y-%m-%d %H:%M}).")
        self.moment = moment
        return moment

    @contextmanager
    def running(self) -> Iterator[StoryClock]:
        real: Callable[[], dt.datetime] = timezone.now
        timezone.now = self  # the seed's story clock, restored below
        try:
            yield self
        finally:
            timezone.now = real


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def weekday_on_or_before(day: dt.date, floor: dt.date) -> dt.date:
    while day.weekday() >= 5 and day > floor:
        day -= dt.timedelta(days=1)
    return day


@dataclass
class Staff:
    director: User
    coordinator: User
    psychologist: User
    social_pedagogue: User


@dataclass
class Slot:
    """One pupil's part in the story of this semester."""

    start: str  # "history", "early" (opened in the first weeks), "mid" (weeks ago), "flag" (today)
    target: str  # a PlanStatus value, "none" (no plan yet), "returned" or "next" (approved, waiting)
    profile: str
    prefer: str = ""  # "class" (the showcase class teacher's class) or "school" (Lizuma)
    origin: str = "manual"
    extra: str = ""  # "withdrawn", "remote_overdue", "late_confirmation", "no_consent"
    decision: str = ""  # history: the review's decision
    close_reason: str = ""


HISTORY = [
    Slot("history", PlanStatus.ACTIVE, "wellbeing", "class", decision="continue", extra="remote_overdue"),
    Slot("history", PlanStatus.IN_REVIEW, "learning", "school", decision="continue"),
    Slot("history", PlanStatus.ACTIVE, "absences", decision="continue", extra="late_confirmation"),
    Slot("history", PlanStatus.ACTIVE, "economic", decision="continue"),
    Slot("history", PlanStatus.IN_REVIEW, "absences", decision="continue"),
    Slot("history", PlanStatus.ACTIVE, "wellbeing", decision="change"),
    Slot("history", PlanStatus.ACTIVE, "absences", decision="change"),
    Slot("history", PlanStatus.CLOSED, "learning", decision="close", close_reason=CloseReason.RISK_REDUCED),
    Slot("history", PlanStatus.CLOSED, "absences", decision="close", close_reason=CloseReason.RISK_REDUCED),
    Slot("history", PlanStatus.CLOSED, "learning", decision="close", close_reason=CloseReason.MOVED),
]
CURRENT = [
    Slot("early", PlanStatus.ACTIVE, "wellbeing", "school", origin="assessment"),
    Slot("early", PlanStatus.ACTIVE, "absences", origin="assessment", extra="withdrawn"),
    Slot("early", PlanStatus.ACTIVE, "learning", origin="manual"),
    Slot("early", PlanStatus.ACTIVE, "economic", origin="manual"),
    Slot("early", PlanStatus.CLOSED, "learning", origin="manual"),
    Slot("mid", PlanStatus.SUBMITTED, "absences", "class", origin="manual"),
    Slot("mid", PlanStatus.DIRECTOR_APPROVED, "learning", "school", origin="assessment"),
    Slot("mid", PlanStatus.MUNICIPALITY_APPROVED, "wellbeing", origin="manual"),
    Slot("mid", "returned", "economic", "school", origin="manual"),
    Slot("mid", "next", "learning", origin="assessment"),
    Slot("flag", PlanStatus.DRAFT, "absences", "class", origin="flag"),
    Slot("flag", PlanStatus.DRAFT, "learning", origin="flag", extra="no_consent"),
    Slot("flag", PlanStatus.DRAFT, "wellbeing", origin="flag"),
    Slot("flag", "none", "absences", origin="flag"),
    Slot("flag", "none", "learning", "school", origin="flag"),
]


@dataclass
class Story:
    rng: random.Random
    clock: StoryClock
    period: Period
    end: dt.date  # the story's last working day in this semester
    staff: dict[int, Staff]
    municipality: User
    national: User
    enrolments: dict[int, Enrolment]
    measures: dict[str, Measure]
    item_codes: list[str] = field(default_factory=list)  # the default questionnaire's items, in order
    counts: Counter[str] = field(default_factory=Counter)
    cursor: dt.datetime = field(default_factory=timezone.now)  # the current case's last step

    # --- pupils ---------------------------------------------------------------------------------

    def pick(self, pool: list[int], prefer: str) -> Enrolment | None:
        def fits(pupil_id: int) -> bool:
            e = self.enrolments[pupil_id]
            if prefer == "class":
                return (
                    e.class_group.class_teacher is not None and e.class_group.class_teacher.username == SHOWCASE_TEACHER
                )
            return prefer != "school" or e.institution.code == SHOWCASE_SCHOOL

        chosen = next((p for p in pool if fits(p)), pool[0] if pool else None)
        if chosen is None:
            return None
        pool.remove(chosen)
        return self.enrolments[chosen]

    def teacher(self, enrolment: Enrolment) -> User:
        return enrolment.class_group.class_teacher or self.staff[enrolment.institution_id].coordinator

    def provider(self, line: Line, enrolment: Enrolment) -> User | None:
        staff = self.staff[enrolment.institution_id]
        return {
            "psychologist": staff.psychologist,
            "social_pedagogue": staff.social_pedagogue,
            "teacher": self.teacher(enrolment),
        }.get(line.provider)

    def answers(self, profile: Profile, lean: float) -> dict[str, tuple[str, str]]:
        """The profile's items lean "yes", the others "no"; only the "yes" and "partly" answers
        are written (an unanswered item scores as "no") — a third of the rows, a quicker seed."""
        answers = {}
        for code in self.item_codes:
            draw = self.rng.random()
            chance = lean if code in profile.items else 0.08
            if draw < chance + 0.1:
                answers[code] = ("yes" if draw < chance else "partly", "")
        return answers

    def questionnaire(
        self, enrolment: Enrolment, period: Period, profile: Profile, when: dt.datetime, *, lean: float = 0.85
    ) -> Assessment:
        """The class teacher fills the pupil's questionnaire of ``period`` at ``when``."""
        self.clock.set(when)
        teacher = self.teacher(enrolment)
        assessment = assessment_start(actor=teacher, pupil=enrolment.pupil, period=period)
        if assessment.status == Assessment.Status.DRAFT:
            answers = self.answers(profile, lean)
            assessment = assessment_submit(actor=teacher, assessment=assessment, answers=answers)
        return assessment

    def low_income(self, pupil: Pupil, start: dt.date, until: dt.date) -> None:
        self.clock.set(at(start, 9))
        low_income_status_record(
            actor=self.municipality,
            pupil=pupil,
            kind=LowIncomeStatus.Kind.LOW_INCOME,
            valid_from=start - dt.timedelta(days=20),
            valid_until=until,
            source=f"Sociālā dienesta lēmums Nr. SD-{start.year}/{self.rng.randint(100, 999)} (demo)",
        )
        self.counts["low_income"] += 1

    # --- plan content -----------------------------------------------------------------------------

    def inputs(self, profile: Profile, enrolment: Enrolment) -> list[MeasureInput]:
        return [
            MeasureInput(
                measure=self.measures[line.code],
                planned_quantity=Decimal(line.quantity),
                # EXAMPLE cost for the demo (quantity × an example price); the catalogue stays unset.
                planned_cost=Decimal(line.example_unit_cost) * line.quantity if line.example_unit_cost else None,
                provider=self.provider(line, enrolment),
                provider_name=line.provider_name,
            )
            for line in profile.lines
        ]

    def contact(self, case: Case, teacher: User, happened: dt.datetime, number: int) -> None:
        channel, summary, sensitive = CONTACTS[number % len(CONTACTS)]
        guardian = case.pupil.guardians.order_by("pk").first()
        contact_log(
            actor=teacher,
            case=case,
            happened_at=happened,
            channel=channel,
            summary=summary,
            guardian=guardian,
            sensitive=sensitive,
        )
        self.counts["contacts"] += 1

    def approve(self, plan: Plan, enrolment: Enrolment, day: dt.date, until: str) -> tuple[Plan, dt.date]:
        """Through the chain, one step every two days, stopping once ``until`` is reached;
        returns the plan and the day of its last approval."""
        approvers = [self.staff[enrolment.institution_id].director, self.municipality, self.national]
        for hour, approver in zip((10, 12, 14), approvers, strict=True):
            if plan.status == until:
                break
            day = self.day(day, 2)
            day = timezone.localtime(self.step(day, hour)).date()
            plan = plan_approve(actor=approver, plan=plan)
        return plan, day

    def step(self, day: dt.date, hour: int) -> dt.datetime:
        """Move the clock to ``day`` at ``hour`` — or a little after the case's previous step,
        should the semester be too short for the days asked (each case's steps stay in order)."""
        self.cursor = max(at(day, hour), self.cursor + dt.timedelta(minutes=10))
        return self.clock.set(self.cursor)

    def day(self, day: dt.date, later: int) -> dt.date:
        """``later`` days after ``day``, a working day, never past the story's end."""
        return weekday_on_or_before(min(day + dt.timedelta(days=later), self.end), day)


def support_seed(*, seed: int, today: dt.date) -> dict[str, int]:
    """Write the Gulbene demo's support cycle; returns counts. Expects the people, the facts and
    the risk picture of ``risk_seed`` (accepted flags); does nothing when there is no semester."""
    period = Period.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
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
    with story.clock.running():
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
            enrolment = story.pick(accepted if slot.origin == "flag" else quiet, slot.prefer)
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


# --- Deliveries ------------------------------------------------------------------------------------

CENT = Decimal("0.01")
RESERVE_HOURS = Decimal(2)  # left on every consultation line: room for the demo user's own entry


@dataclass
class Visit:
    """One delivery the story will record: a consultation, a month's claim or a purchase."""

    line: PlanMeasure
    day: dt.date
    quantity: Decimal
    amount: Decimal | None = None
    until: dt.date | None = None
    minutes: int | None = None
    remote: bool = False


def _weekdays(first: dt.date, last: dt.date) -> int:
    return sum(1 for n in range((last - first).days + 1) if (first + dt.timedelta(days=n)).weekday() < 5)


def _schedule(rng: random.Random, lines: list[PlanMeasure], start: dt.date, until: dt.date) -> list[Visit]:
    """Consultations every two weeks or so, transport and meals claimed per calendar month, items and
    activities once — inside [start, until] and never beyond a line's planned quantity."""
    visits: list[Visit] = []
    for line in lines:
        measure, planned, done = line.measure, line.planned_quantity, Decimal(0)
        price = (line.planned_cost / planned) if line.planned_cost is not None else None
        if measure.is_consultation:
            day = start + dt.timedelta(days=rng.randint(0, 4))
            while day <= until:
                minutes = rng.choice(MINUTES)
                hours = (Decimal(minutes) / 60).quantize(CENT)
                if done + hours > planned - RESERVE_HOURS:
                    break
                if day.weekday() < 5:
                    remote = measure.specialist_kind != SpecialistKind.TEACHER and rng.random() < 0.25
                    visits.append(Visit(line, day, hours, minutes=minutes, remote=remote))
                    done += hours
                day += dt.timedelta(days=rng.randint(12, 19))
        elif measure.unit in ("trip", "day"):
            first = start
            while first <= until and done < planned:
                month_end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
                last = min(month_end, until)
                quantity = min(Decimal(_weekdays(first, last) * (2 if measure.unit == "trip" else 1)), planned - done)
                if quantity > 0:
                    amount = (price * quantity).quantize(CENT) if price is not None else None
                    visits.append(Visit(line, first, quantity, amount, until=last))
                    done += quantity
                first = month_end + dt.timedelta(days=1)
        else:
            day = weekday_on_or_before(min(start + dt.timedelta(days=rng.randint(5, 15)), until), start)
            share = Decimal(rng.randint(55, 90)) / 100 if measure.unit == "eur" else Decimal(1)
            quantity = (planned * share).quantize(CENT)
            if start <= day <= until:
                visits.append(Visit(line, day, quantity, (price * quantity).quantize(CENT) if price else None))
    return sorted(visits, key=lambda v: (v.day, v.line.pk))


def _deliver(story: Story, plan: Plan, enrolment: Enrolment, start: dt.date, until: dt.date, extra: str) -> None:
    """Record this semester's deliveries through the services, and the pupils' confirmations of
    remote consultations (one confirmed late, one left unconfirmed past its deadline)."""
    coordinator = story.staff[enrolment.institution_id].coordinator
    lines = list(plan.measures.select_related("measure", "provider").order_by("pk"))
    visits = _schedule(story.rng, lines, start, until)
    consult = next(
        (line for line in lines if line.measure.is_consultation and line.provider != story.teacher(enrolment)), None
    )
    overdue = weekday_on_or_before(until - dt.timedelta(days=3), start)
    if extra == "remote_overdue" and consult is not None and start <= overdue:
        visits.append(Visit(consult, overdue, Decimal("0.75"), minutes=45, remote=True))
    late = extra == "late_confirmation"
    for visit in visits:
        line = visit.line
        if visit.minutes is None:
            story.clock.set(at(visit.until or visit.day, 16))
            compensation_record(
                actor=coordinator,
                plan=plan,
                measure=line.measure,
                starts_on=visit.day,
                ends_on=visit.until,
                quantity=visit.quantity,
                amount=visit.amount,
            )
            story.counts["compensations"] += 1
            continue
        specialist = line.provider or story.teacher(enrolment)
        story.clock.set(at(visit.day, 15))
        delivery = consultation_record(
            actor=specialist,
            plan=plan,
            measure=line.measure,
            held_on=visit.day,
            minutes=visit.minutes,
            specialist=specialist,
            mode=Delivery.Mode.REMOTE if visit.remote else Delivery.Mode.IN_PERSON,
            topic=story.rng.choice(TOPICS),
        )
        story.counts["consultations"] += 1
        confirm_on = visit.day + dt.timedelta(days=3 if late else 1)
        if (
            visit.remote
            and confirm_on <= story.clock.latest
            and not (extra == "remote_overdue" and visit.day == overdue)
        ):
            story.clock.set(at(confirm_on, 8, 30))
            consultation_confirm(actor=specialist, delivery=delivery, confirmed_at=story.clock.moment)
            late = False


TOPICS = (
    "Mācību motivācija un dienas režīms",
    "Attiecības klasē",
    "Gatavošanās pārbaudes darbam",
    "Emociju pašregulācija",
    "Kavējumu iemesli un vienošanās",
    "Mājas darbu plānošana",
)


# --- This semester ---------------------------------------------------------------------------------

REASONS = (
    "Klases audzinātājas novērojumi: bieži nav sagatavojies stundām, izvairās no sarunām.",
    "Vecāki lūdz skolas atbalstu pēc ģimenes pārcelšanās.",
    "Sociālā dienesta ziņa par sarežģītu situāciju ģimenē.",
)


def _current(story: Story, slot: Slot, enrolment: Enrolment, following: Period | None) -> None:
    rng, period, profile = story.rng, story.period, PROFILES[slot.profile]
    staff, teacher, pupil = story.staff[enrolment.institution_id], story.teacher(enrolment), enrolment.pupil
    if slot.start == "early":
        opened = story.day(period.starts_on, rng.randint(3, 12))
    elif slot.start == "mid":
        opened = story.day(max(period.starts_on, story.end - dt.timedelta(days=32)), rng.randint(0, 6))
    else:
        opened = story.end
    story.cursor = at(opened, 8)
    lead = teacher if rng.random() < 0.7 else staff.coordinator
    assessment = flag = None
    if slot.origin == "assessment":
        assessment = story.questionnaire(enrolment, period, profile, story.step(opened, 9))
    elif slot.origin == "flag":
        flag = Flag.objects.filter(pupil=pupil, period=period, status=FlagStatus.ACCEPTED).order_by("pk").first()
    story.step(opened, 11)
    reason = rng.choice(REASONS) if flag is None and assessment is None else ""
    case = case_open(actor=lead, pupil=pupil, flag=flag, assessment=assessment, reason=reason)
    story.step(opened, 11)
    for user, role in _team(story, profile, enrolment, lead):
        team_member_add(actor=lead, case=case, user=user, role=role)
    story.contact(case, lead, story.step(opened, 15), rng.randrange(len(CONTACTS)))
    if profile.low_income:
        story.low_income(pupil, opened, (following or period).ends_on)
    if slot.target == "none":
        return
    day = story.day(opened, 2)
    if slot.extra != "no_consent":
        guardian = pupil.guardians.order_by("pk").first()
        story.step(day, 14)
        method = rng.choice(list(Consent.Method))
        consent_record(actor=lead, case=case, guardian=guardian, given_on=day, method=method)
    day = story.day(day, 1)
    story.step(day, 10)
    plan_period = following if slot.target == "next" and following is not None else period
    plan = plan_create(actor=lead, case=case, period=plan_period)
    plan = _save(story, plan, lead, profile, enrolment, day)
    if slot.target == PlanStatus.DRAFT:
        return
    day = story.day(day, 1)
    story.step(day, 9)
    plan = plan_submit(actor=lead, plan=plan)
    if slot.target == "returned":
        story.step(story.day(day, 2), 10)
        comment = "Lūdzu precizēt mērķu izmērāmos rādītājus un norādīt ēdināšanas dienu skaitu."
        plan_return(actor=staff.director, plan=plan, comment=comment)
        return
    until = PlanStatus.APPROVED if slot.target == "next" else slot.target
    plan, day = story.approve(plan, enrolment, day, PlanStatus.ACTIVE if until == PlanStatus.CLOSED else until)
    if plan.status == PlanStatus.ACTIVE:
        _after_activation(story, slot, enrolment, plan, day)


def _team(story: Story, profile: Profile, enrolment: Enrolment, lead: User) -> list[tuple[User, str]]:
    """The lead (added by ``case_open``), the specialists who deliver, the class teacher."""
    members: list[tuple[User, str]] = []
    for line in profile.lines:
        user = story.provider(line, enrolment)
        if user is not None and user != lead and line.provider != "teacher" and (user, "specialist") not in members:
            members.append((user, TeamMember.Role.SPECIALIST))
    teacher = story.teacher(enrolment)
    if teacher != lead:
        members.append((teacher, TeamMember.Role.CLASS_TEACHER))
    return members


def _save(story: Story, plan: Plan, lead: User, profile: Profile, enrolment: Enrolment, day: dt.date) -> Plan:
    story.step(day, 10)
    risks = [RiskInput(r.group, r.description, r.item_id) for r in plan.risks.order_by("pk")]
    return plan_save(
        actor=lead,
        plan=plan,
        expected_version=plan.version,
        contact_person=f"{lead.get_full_name()}, {enrolment.institution.name}",
        risks=risks or [RiskInput(group, text) for group, text in profile.risks],
        goals=[GoalInput(text, target) for text, target in profile.goals],
        measures=story.inputs(profile, enrolment),
    )


def _after_activation(story: Story, slot: Slot, enrolment: Enrolment, plan: Plan, activated: dt.date) -> None:
    """Deliveries from the day after activation; then, by the slot, a withdrawal of consent, the
    start of the review, or the whole review closing the case."""
    start, until = activated + dt.timedelta(days=1), story.end
    lead = plan.prepared_by
    if slot.extra == "withdrawn":
        withdrawn = story.day(activated, max(1, (story.end - activated).days // 2))
        _deliver(story, plan, enrolment, start, withdrawn - dt.timedelta(days=1), slot.extra)
        story.clock.set(at(withdrawn, 12))
        consent = plan.case.consents.order_by("pk").first()
        if consent is not None:
            note = "Vecāki iesniedza atteikumu; atbalsts tiek pārtraukts. Plāns jāpārskata."
            consent_withdraw(actor=lead, consent=consent, withdrawn_on=withdrawn, note=note)
        return
    if slot.target == PlanStatus.CLOSED:
        review_day = story.day(max(activated, story.end - dt.timedelta(days=8)), 1)
        _deliver(story, plan, enrolment, start, review_day - dt.timedelta(days=2), slot.extra)
        story.cursor = max(story.cursor, at(review_day, 8))
        profile = PROFILES[slot.profile]
        assessment = story.questionnaire(enrolment, story.period, profile, story.step(review_day, 9), lean=0.2)
        story.step(review_day, 10)
        plan = plan_review_start(actor=lead, plan=plan)
        story.step(review_day, 11)
        review_submit(
            actor=lead,
            plan=plan,
            goal_outcomes={g.pk: (Outcome.ACHIEVED, "") for g in plan.goals.all()},
            measure_usefulness={m.pk: Usefulness.USEFUL for m in plan.measures.all()},
            assessment=assessment,
            decision=Review.Decision.CLOSE,
            close_reason=CloseReason.RISK_REDUCED,
            summary="Kavējumu vairs nav, sekmes uzlabojušās; atbalsts vairs nav vajadzīgs.",
        )
        return
    _deliver(story, plan, enrolment, start, until - dt.timedelta(days=1), slot.extra)
    if slot.target == PlanStatus.IN_REVIEW:
        story.cursor = max(story.cursor, at(until, 8))
        story.step(until, 15)
        plan_review_start(actor=lead, plan=plan)


# --- The previous semester: history --------------------------------------------------------------

OUTCOMES = {
    Review.Decision.CONTINUE: (Outcome.PARTLY, Outcome.ACHIEVED),
    Review.Decision.CHANGE: (Outcome.NOT, Outcome.PARTLY),
    Review.Decision.CLOSE: (Outcome.ACHIEVED, Outcome.ACHIEVED),
}
SUMMARIES: dict[str, str] = {
    Review.Decision.CONTINUE: "Progress ir, bet mērķis vēl nav sasniegts; atbalstu turpina nākamajā semestrī.",
    Review.Decision.CHANGE: "Pasākumi palīdzēja daļēji; nākamajā semestrī plānu maina.",
    CloseReason.RISK_REDUCED: "Risks mazinājies: kavējumu nav, sekmes stabilas. Lietu slēdz.",
    CloseReason.MOVED: "Skolēns pārgāja uz citu skolu; informācija nodota jaunajai skolai.",
}


def _history(story: Story, slot: Slot, enrolment: Enrolment, semester: Period) -> None:
    """A finished plan of ``semester``, written as the services would have left it (see the
    module docstring), and for "continue" / "change" this semester's plan carrying it on."""
    rng, profile, pupil = story.rng, PROFILES[slot.profile], enrolment.pupil
    school_id, lead = enrolment.institution_id, story.teacher(enrolment)
    if slot.close_reason == CloseReason.MOVED:  # the case stayed with the school the pupil left
        school_id = rng.choice(sorted(i for i in story.staff if i != school_id))
        lead = story.staff[school_id].coordinator
    staff = story.staff[school_id]

    def day(offset: int, hour: int, *, from_end: bool = False) -> dt.datetime:
        base = (
            semester.ends_on - dt.timedelta(days=offset) if from_end else semester.starts_on + dt.timedelta(days=offset)
        )
        return at(weekday_on_or_before(base, semester.starts_on), hour)

    opened = day(rng.randint(3, 7), 10)
    steps = [
        (PlanTransition.Action.CREATED, "", "", PlanStatus.DRAFT, lead, opened + dt.timedelta(days=2)),
        (PlanTransition.Action.SUBMITTED, "", PlanStatus.DRAFT, PlanStatus.SUBMITTED, lead, opened + dt.timedelta(days=4)),
        ("approved", "director", PlanStatus.SUBMITTED, PlanStatus.DIRECTOR_APPROVED, staff.director, opened + dt.timedelta(days=6, hours=1)),
        ("approved", "municipality", PlanStatus.DIRECTOR_APPROVED, PlanStatus.MUNICIPALITY_APPROVED, story.municipality, opened + dt.timedelta(days=8, hours=2)),
        ("approved", "national", PlanStatus.MUNICIPALITY_APPROVED, PlanStatus.APPROVED, story.national, opened + dt.timedelta(days=10, hours=3)),
        ("activated", "", PlanStatus.APPROVED, PlanStatus.ACTIVE, None, opened + dt.timedelta(days=10, hours=3)),
        ("review_started", "", PlanStatus.ACTIVE, PlanStatus.IN_REVIEW, lead, day(5, 10, from_end=True)),
        ("closed", "", PlanStatus.IN_REVIEW, PlanStatus.CLOSED, lead, day(4, 13, from_end=True)),
    ]  # fmt: skip
    reviewed = steps[-1][-1]
    if slot.close_reason == CloseReason.MOVED:
        steps[-1] = (*steps[-1][:-2], lead, reviewed)

    story.clock.set(opened)
    case = Case.objects.create(
        pupil=pupil, institution_id=school_id, origin=Case.Origin.MANUAL, reason=rng.choice(REASONS),
        opened_by=lead, opened_at=opened,
    )  # fmt: skip
    specialist = staff.psychologist if slot.profile in ("wellbeing", "learning") else staff.social_pedagogue
    TeamMember.objects.bulk_create(
        [
            TeamMember(case=case, user=lead, role=TeamMember.Role.LEAD, added_by=lead, added_at=opened),
            TeamMember(case=case, user=specialist, role=TeamMember.Role.SPECIALIST, added_by=lead, added_at=opened),
        ]
    )
    guardian = pupil.guardians.order_by("pk").first()
    Consent.objects.create(
        case=case, guardian=guardian, given_on=opened.date() + dt.timedelta(days=1), method=Consent.Method.PAPER,
        recorded_by=lead,
    )  # fmt: skip
    channel, summary, sensitive = CONTACTS[rng.randrange(len(CONTACTS))]
    ContactEntry.objects.create(
        case=case, guardian=guardian, happened_at=opened, channel=channel, summary=summary, sensitive=sensitive,
        recorded_by=lead,
    )  # fmt: skip
    if profile.low_income:
        story.low_income(pupil, semester.starts_on, story.period.ends_on)

    story.clock.set(steps[0][-1])
    plan = Plan.objects.create(
        case=case, period=semester, status=PlanStatus.CLOSED, chain=CHAIN, prepared_by=lead, submitted_by=lead,
        contact_person=f"{lead.get_full_name()}, {case.institution.name}", version=1 + len(steps),
    )  # fmt: skip
    PlanRisk.objects.bulk_create(PlanRisk(plan=plan, group=g, description=d) for g, d in profile.risks)
    outcomes = OUTCOMES[Review.Decision(slot.decision)]
    Goal.objects.bulk_create(
        Goal(plan=plan, text=text, target=target, order=n, outcome=outcomes[n], outcome_note="")
        for n, (text, target) in enumerate(profile.goals)
    )
    for line_input in story.inputs(profile, story.enrolments[pupil.pk]):
        PlanMeasure.objects.create(
            plan=plan,
            measure=line_input.measure,
            provider=line_input.provider if school_id == enrolment.institution_id else None,
            provider_name=line_input.provider_name,
            planned_quantity=line_input.planned_quantity,
            planned_cost=line_input.planned_cost,
            usefulness=Usefulness.USEFUL if rng.random() < 0.8 else Usefulness.PARTLY,
        )
    PlanTransition.objects.bulk_create(
        PlanTransition(plan=plan, action=a, step=s, from_status=f, to_status=t, actor=u, at=moment)
        for a, s, f, t, u, moment in steps
    )
    activated, review_started = steps[5][-1].date(), steps[6][-1].date()
    lines = list(plan.measures.select_related("measure", "provider").order_by("pk"))
    visits = _schedule(rng, lines, activated + dt.timedelta(days=1), review_started - dt.timedelta(days=1))
    Delivery.objects.bulk_create(_past_delivery(story, v, lead, staff.coordinator) for v in visits)
    story.counts["history_deliveries"] += len(visits)

    lean = 0.3 if slot.decision == Review.Decision.CLOSE else 0.7  # the risk has come down, or not yet
    assessment = story.questionnaire(enrolment, semester, profile, day(6, 14, from_end=True), lean=lean)
    story.clock.set(reviewed)
    close_reason = slot.close_reason if slot.decision == Review.Decision.CLOSE else ""
    review = Review.objects.create(
        plan=plan, assessment=assessment, decision=slot.decision, close_reason=close_reason,
        summary=SUMMARIES[close_reason or slot.decision], reviewed_by=lead, reviewed_at=reviewed,
    )  # fmt: skip
    if close_reason:
        case.status, case.closed_at, case.close_reason = Case.Status.CLOSED, reviewed, close_reason
        case.save(update_fields=["status", "closed_at", "close_reason"])
        return
    story.clock.set(reviewed + dt.timedelta(minutes=1))
    review.next_plan = plan_continue(actor=lead, plan=plan, period=story.period, assessment=assessment)
    review.save(update_fields=["next_plan"])
    _continued(story, slot, enrolment, review.next_plan)


def _past_delivery(story: Story, visit: Visit, lead: User, coordinator: User) -> Delivery:
    recorded = at(visit.until or visit.day, 16)
    if visit.minutes is None:
        return Delivery(
            line=visit.line, delivered_on=visit.day, period_end=visit.until, quantity=visit.quantity,
            amount=visit.amount, recorded_by=coordinator, recorded_at=recorded,
        )  # fmt: skip
    specialist = visit.line.provider or lead
    return Delivery(
        line=visit.line, delivered_on=visit.day, quantity=visit.quantity, minutes=visit.minutes,
        specialist=specialist, mode=Delivery.Mode.REMOTE if visit.remote else Delivery.Mode.IN_PERSON,
        topic=story.rng.choice(TOPICS), recorded_by=specialist, recorded_at=recorded,
        confirmed_at=at(visit.day + dt.timedelta(days=1), 8, 30) if visit.remote else None,
    )  # fmt: skip


def _continued(story: Story, slot: Slot, enrolment: Enrolment, plan: Plan) -> None:
    """This semester's part of a continued case: the pre-filled draft is (for "change" reworked
    and) submitted in the first days, approved, active since."""
    start = story.period.starts_on
    lead = plan.prepared_by
    story.cursor = at(start, 8)
    case = plan.case
    story.contact(case, lead, story.step(story.day(start, 1), 15), story.rng.randrange(len(CONTACTS)))
    day = story.day(start, 2)
    if slot.decision == Review.Decision.CHANGE:
        story.step(day, 10)
        lines = list(plan.measures.select_related("measure").order_by("pk"))
        plan = plan_save(
            actor=lead,
            plan=plan,
            expected_version=plan.version,
            contact_person=plan.contact_person,
            risks=[RiskInput(r.group, r.description, r.item_id) for r in plan.risks.order_by("pk")],
            goals=[GoalInput(g.text, g.target) for g in plan.goals.order_by("order", "pk")]
            + [GoalInput("Apmeklēt ārpusstundu nodarbības", "Vismaz 2 nodarbības mēnesī")],
            measures=[
                MeasureInput(
                    measure=line.measure,
                    # More hours of the first consultation: the change the review asked for.
                    planned_quantity=line.planned_quantity + (4 if n == 0 and line.measure.is_consultation else 0),
                    planned_cost=line.planned_cost,
                    provider=line.provider,
                    provider_name=line.provider_name,
                )
                for n, line in enumerate(lines)
            ],
        )
    day = story.day(day, 1)
    story.step(day, 9)
    plan = plan_submit(actor=lead, plan=plan)
    plan, day = story.approve(plan, enrolment, day, PlanStatus.ACTIVE)
    if plan.status == PlanStatus.ACTIVE:
        _after_activation(story, slot, enrolment, plan, day)
