"""Gulbene's youth initiative call for the demo (issue 16): one call in evaluation with a handful
of applications in every state — a project reported and approved (money returned), one reported
and waiting for approval, one running, one not supported, one scored and waiting for the
decision, one with one score and a declared conflict, one not yet scored.

Every step goes through the real services with the demo's users, at moments counted back from the
seed's ``today`` (decision 0013), so the demo tells the same story on any day of the year.
Deterministic: no randomness, fixed texts.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pumpurs.people.models import Municipality, Role, RoleGrant, User
from pumpurs.youth import services
from pumpurs.youth.models import Call
from pumpurs.youth.services import ApplicationInput, Line

CRITERIA = [
    ("Atbilstība konkursa mērķim un jauniešu vajadzībām", 40),
    ("Aktivitāšu kvalitāte un jauniešu iesaiste", 35),
    ("Budžeta pamatotība", 25),
]

# title, organisation, group, participants, budget lines (EUR cents), story
APPLICATIONS = [
    ("Pārgājienu klubs “Taka”", "Biedrība “Gulbenes jaunieši”", "Lizuma jauniešu grupa", 18,
     [("Ekipējums", 180_000), ("Transports", 90_000), ("Nometnes izmaksas", 120_000)], "reported_approved"),
    ("Jauniešu kino vakari", "Biedrība “Kino Stāķos”", "Stāķu kino grupa", 25,
     [("Tehnikas noma", 150_000), ("Filmu licences", 60_000)], "reported"),
    ("Robotikas darbnīca", "Biedrība “Tehnoloģiju māja”", "Rankas robotikas pulciņš", 12,
     [("Komplekti", 280_000), ("Mentora honorārs", 100_000)], "running"),
    ("Ielu mākslas festivāls", "Biedrība “Krāsainā Gulbene”", "", 40,
     [("Krāsas un materiāli", 200_000), ("Ēdināšana", 150_000)], "rejected"),
    ("Jauniešu radio", "Biedrība “Vilnis”", "Tirzas jauniešu grupa", 10,
     [("Aparatūra", 220_000)], "scored"),
    ("Brīvprātīgo talkas", "Biedrība “Palīdzēsim”", "Lejasciema jaunieši", 30,
     [("Instrumenti", 90_000), ("Transports", 40_000)], "conflict"),
    ("Galda spēļu klubs", "Biedrība “Spēļu galds”", "Sveķu jaunieši", 15,
     [("Spēles", 80_000)], "submitted"),
]  # fmt: skip


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _report_approver(gulbene: Municipality | None, coordinator: User) -> User | None:
    """Who approves a report the coordinator entered: another coordinator of the municipality, else
    the national team; None when neither exists (the report then stays submitted)."""
    for grants in (
        RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR, municipality=gulbene),
        RoleGrant.objects.filter(role=Role.NATIONAL_PROGRAMME),
    ):
        approver = User.objects.filter(pk__in=grants.values("user_id")).exclude(pk=coordinator.pk).order_by("username")
        if first := approver.first():
            return first
    return None


def youth_seed(*, today: dt.date) -> dict[str, int]:
    """Writes the call; returns counts. Expects the Gulbene people (its coordinator and directors)."""
    gulbene = Municipality.objects.filter(code="gulbenes-novads").first()
    coordinator = (
        User.objects.filter(
            pk__in=RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR, municipality=gulbene).values("user_id")
        )
        .order_by("username")
        .first()
    )
    evaluators = list(
        User.objects.filter(
            pk__in=RoleGrant.objects.filter(role=Role.DIRECTOR, institution__municipality=gulbene).values("user_id"),
            username__in=["lizums.direktors", "tirza.direktors"],
        ).order_by("username")
    )
    if gulbene is None or coordinator is None or len(evaluators) < 2:
        return {}
    start = today - dt.timedelta(days=150)
    call = services.call_create(
        actor=coordinator,
        municipality=gulbene,
        title="Jauniešu iniciatīvu projekti Gulbenes novadā",
        opens_on=start,
        closes_on=start + dt.timedelta(days=21),
        total_cents=2_000_000,
        max_per_project_cents=460_000,
        eligibility="Biedrības un nodibinājumi, kas strādā ar jauniešiem (13–25 gadi), kopā ar jauniešu "
        "iniciatīvas grupu; projekts notiek Gulbenes novadā.",
        criteria=CRITERIA,
        now=_at(start, 9),
    )
    services.call_evaluators_set(actor=coordinator, call=call, evaluators=evaluators, now=_at(start, 9))
    services.call_open(actor=coordinator, call=call, now=_at(start, 9))
    applications = []
    for i, (title, organisation, group, participants, lines, story) in enumerate(APPLICATIONS):
        ends = today - dt.timedelta(days=20) if story.startswith("reported") else today + dt.timedelta(days=60)
        application = services.application_enter(
            actor=coordinator,
            call=call,
            data=ApplicationInput(
                organisation=organisation,
                registration_number=f"4000800{i + 1:04d}",
                contact_name="Kontaktpersona",
                contact_email=f"projekts{i + 1}@example.lv",
                contact_phone="",
                youth_group=group,
                title=title,
                aims="Iesaistīt jauniešus jēgpilnās aktivitātēs ārpus skolas un stiprināt piederību skolai.",
                activities="Regulāras nodarbības, kopīgs pasākums projekta noslēgumā.",
                starts_on=start + dt.timedelta(days=40),
                ends_on=ends,
                participants_expected=participants,
                age_from=13,
                age_to=19,
                requested_cents=sum(amount for _item, amount in lines),
                budget=[Line(item, amount) for item, amount in lines],
            ),
            now=_at(start + dt.timedelta(days=2 + i)),
        )
        applications.append((application, story))
    _evaluate(call, coordinator, evaluators, applications, start=start, today=today)
    return {"calls": 1, "applications": len(applications)}


def _evaluate(
    call: Call,
    coordinator: User,
    evaluators: list[User],
    applications: list,  # type: ignore[type-arg]  # (Application, story) pairs of this module
    *,
    start: dt.date,
    today: dt.date,
) -> None:
    services.call_start_evaluation(actor=coordinator, call=call, now=_at(start + dt.timedelta(days=22)))
    criteria = list(call.criteria.all())
    scored_on = _at(start + dt.timedelta(days=25))
    for n, (application, story) in enumerate(applications):
        if story == "submitted":
            continue
        for k, evaluator in enumerate(evaluators):
            if story == "conflict" and k == 1:
                services.conflict_declare(
                    actor=evaluator, application=application, reason="Biedrības valdes loceklis", now=scored_on
                )
                continue
            base = 4 if story == "rejected" else 9 - (n % 3)
            scores = {c.pk: max(0, min(10, base - (j + k) % 2)) for j, c in enumerate(criteria)}
            services.evaluation_submit(
                actor=evaluator, application=application, scores=scores, no_conflict=True, comment="", now=scored_on
            )
    decided_on = _at(start + dt.timedelta(days=30))
    for application, story in applications:
        if story in ("reported_approved", "reported", "running"):
            # The first is cut: the evaluators found the equipment line too high.
            award = application.requested_cents - (60_000 if story == "reported_approved" else 0)
            services.application_decide(
                actor=coordinator, application=application, approve=True, awarded_cents=award, note="", now=decided_on
            )
        elif story == "rejected":
            services.application_decide(
                actor=coordinator,
                application=application,
                approve=False,
                awarded_cents=None,
                note="Vērtējums zem atbalsta sliekšņa; budžets nav pamatots.",
                now=decided_on,
            )
    reported_on = _at(today - dt.timedelta(days=10))
    for application, story in applications:
        if not story.startswith("reported"):
            continue
        award = application.awarded_cents or 0
        report = services.report_submit(
            actor=coordinator,
            application=application,
            participants_reached=application.participants_expected + 2,
            activities_done="Notika visas plānotās nodarbības un noslēguma pasākums.",
            expenses=[Line("Projekta izdevumi pēc čekiem", award - 25_000)],
            now=reported_on,
        )
        if story == "reported_approved":
            # Four eyes: not the coordinator who entered it — the national team (or a second coordinator).
            approver = _report_approver(call.municipality, coordinator)
            if approver is not None:
                services.report_approve(actor=approver, report=report, now=_at(today - dt.timedelta(days=5)))
