""" "Mani darbi" (issue 13): every role's home page counts what waits for that person, each count
equals the rows of its list, nobody sees another school's items, and the lists export to CSV and
XLSX that a spreadsheet cannot be tricked by. The kinds come from risk, support and imports, so
the story lives here, in the composition root."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.models import ImportBatch
from pumpurs.people import work
from pumpurs.risk.models import AbsenceFollowUp, DismissReason, FlagStatus, Notice
from pumpurs.risk.services import flag_accept, flag_dismiss
from pumpurs.risk.tests.watch_factories import add_pupil, flag_for, period_now
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import draft_plan, open_case
from pumpurs.world.personas import World

PERSONAS = [
    "teacher_lizuma",
    "teacher_lizuma_8a",
    "teacher_tirzas",
    "specialist_lizuma",
    "coordinator_lizuma",
    "director_lizuma",
    "coordinator_tirzas",
    "coordinator_gulbene",
    "coordinator_madona",
    "national",
    "dpo",
    "admin",
]


@pytest.fixture
def busy(world: World) -> World:
    return busy_world(world)


def busy_world(world: World) -> World:
    """Lizuma has work of every kind; Tirzas has one open flag of its own.

    * Anna Kalniņa (Lizuma 7.a): an open flag, a notice that found no address, and a support case
      with a draft plan;
    * Pēteris's 8.a pupil: a flag accepted this semester, no case, no questionnaire;
    * Zane Krūmiņa (Lizuma 7.a): a plan submitted by the school coordinator, waiting for the director;
    * a rejected attendance file of Lizuma, and Jānis Bērziņš (Tirzas) with an open flag."""
    period = period_now(world)
    flag_for(world.pupil_lizuma, "unjustified_semester", period=period)
    flag_for(world.pupil_tirzas, "unjustified_semester", period=period)
    accepted = flag_for(world.pupil_lizuma_8a, "failing_grades", period=period)
    flag_accept(actor=world.teacher_lizuma_8a, flag=accepted)
    Notice.objects.create(
        kind=Notice.Kind.SAME_DAY_ABSENCE,
        pupil=world.pupil_lizuma,
        subject="Kavējums",
        body="…",
        status=Notice.Status.NO_CONTACT,
        dedupe_key="test:no-contact",
    )
    draft_plan(world.teacher_lizuma, open_case(world.teacher_lizuma, world.pupil_lizuma))
    zane = add_pupil(world, world.lizuma_7a, "Zane", "Krūmiņa")
    plan = draft_plan(world.coordinator_lizuma, open_case(world.coordinator_lizuma, zane))
    plan_submit(actor=world.coordinator_lizuma, plan=plan)
    ImportBatch.objects.create(
        kind="attendance",
        status=ImportBatch.Status.REJECTED,
        institution=world.lizuma,
        actor=world.coordinator_lizuma,
        filename='=HYPERLINK("http://x")-kavejumi.csv',
        sha256="0" * 64,
    )
    return world


def counts(user: object) -> dict[str, int]:
    return {c.kind.code: c.count for c in work.summary(user).counts if c.count}


def test_each_role_has_its_own_work(busy: World) -> None:
    expected = {
        "teacher_lizuma": {"flags": 1, "plans-to-prepare": 1},
        "teacher_lizuma_8a": {"no-case": 1, "questionnaires": 1},
        "teacher_tirzas": {"flags": 1},
        "specialist_lizuma": {"no-case": 1, "questionnaires": 1, "plans-to-prepare": 1},
        "coordinator_lizuma": {"flags": 1, "no-case": 1, "questionnaires": 1, "plans-to-prepare": 1, "notices": 1, "imports": 1},
        "director_lizuma": {"approvals": 1},
        "coordinator_tirzas": {"flags": 1},
        "coordinator_gulbene": {"absences": 2, "notices": 1, "imports": 1},
        "coordinator_madona": {},
        "national": {},
        "dpo": {},
        "admin": {},
    }  # fmt: skip
    assert {persona: counts(getattr(busy, persona)) for persona in PERSONAS} == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_count_equals_the_rows_of_its_list(busy: World, persona: str) -> None:
    user = getattr(busy, persona)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    for item in work.summary(user).counts:
        page = client.get(reverse("work_list", args=[item.kind.code]))
        assert page.status_code == 200
        assert page.context["page"].paginator.count == item.count, item.kind.code
        assert len(page.context["rows"]) == item.count, item.kind.code
        assert f"{reverse('work_list', args=[item.kind.code])}" in home.content.decode()


def test_the_counts_are_one_query(busy: World, django_assert_num_queries) -> None:
    user = busy.coordinator_lizuma
    work.summary(user)  # the grants are cached on the user, as within a request
    with django_assert_num_queries(1):
        summary = work.summary(user)
    assert summary.total == 6


def test_the_navigation_shows_the_total(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_lizuma)
    body = client.get(reverse("pupil_search")).content.decode()
    assert '<span class="nav-count">6<span class="visually-hidden"> items wait for you</span></span>' in body


def test_oldest_first_with_its_age(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_lizuma)
    rows = client.get(reverse("work_list", args=["questionnaires"])).context["rows"]
    ((row, age),) = rows
    assert row.subject == "Pēteris Liepa" or row.pupil_id == busy.pupil_lizuma_8a.pk
    assert row.since == period_now(busy).starts_on
    assert age == (busy.today - period_now(busy).starts_on).days


def test_a_teacher_never_sees_another_schools_items(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.teacher_tirzas)
    page = client.get(reverse("work_list", args=["flags"]))
    names = [row.subject for row, _ in page.context["rows"]]
    assert names == ["Jānis Bērziņš"]
    assert "Kalniņa" not in page.content.decode()
    # A kind the role does not act on does not exist for her; nor does a school outside her scope.
    assert client.get(reverse("work_list", args=["approvals"])).status_code == 404
    assert client.get(reverse("work_list", args=["imports"])).status_code == 404
    other = {"school": str(busy.lizuma.public_id)}
    assert client.get(reverse("work_list", args=["flags"]), other).status_code == 404
    assert client.get(reverse("work_list", args=["no-such-kind"])).status_code == 404


def test_the_municipality_filters_by_school(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_gulbene)
    url = reverse("work_list", args=["notices"])
    assert client.get(url, {"school": str(busy.lizuma.public_id)}).context["page"].paginator.count == 1
    assert client.get(url, {"school": str(busy.tirzas.public_id)}).context["page"].paginator.count == 0
    assert client.get(url, {"older_than": "1"}).context["page"].paginator.count == 0  # queued today
    assert client.get(url, {"older_than": "0"}).context["page"].paginator.count == 1


def test_a_later_applied_file_clears_a_failed_import(busy: World) -> None:
    ImportBatch.objects.create(
        kind="attendance",
        status=ImportBatch.Status.APPLIED,
        institution=busy.lizuma,
        actor=busy.coordinator_lizuma,
        filename="kavejumi-labots.csv",
        sha256="1" * 64,
    )
    assert "imports" not in counts(busy.coordinator_lizuma)


def test_deciding_the_flag_takes_it_off_the_list(busy: World) -> None:
    flag = busy.pupil_lizuma.flags.get(status=FlagStatus.OPEN)
    flag_accept(actor=busy.teacher_lizuma, flag=flag)
    assert "flags" not in counts(busy.teacher_lizuma)


def test_who_saw_which_pupils_is_recorded(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_lizuma)
    client.get(reverse("work_list", args=["flags"]))
    listed = AuditEvent.objects.filter(action="people.work.listed", actor=busy.coordinator_lizuma)
    assert list(listed.values_list("pupil_id", "data")) == [(busy.pupil_lizuma.pk, {"kind": "flags"})]
    client.get(reverse("work_list", args=["flags"]), {"format": "csv"})
    exported = AuditEvent.objects.filter(action="people.work.exported", actor=busy.coordinator_lizuma)
    assert list(exported.values_list("pupil_id", flat=True)) == [busy.pupil_lizuma.pk]


def test_csv_export_is_safe_in_a_spreadsheet(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_lizuma)
    response = client.get(reverse("work_list", args=["imports"]), {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="imports-{busy.today.isoformat()}.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Subject", "School", "What", "Waiting since", "Days waiting"]
    assert rows[1] == [
        '\'=HYPERLINK("http://x")-kavejumi.csv',
        "Lizuma pamatskola",
        "attendance: rejected",
        busy.today.isoformat(),
        "0",
    ]
    assert len(rows) == 2


def test_xlsx_export_holds_the_same_rows_and_no_formula(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="lv")
    client.force_login(busy.coordinator_lizuma)
    response = client.get(reverse("work_list", args=["imports"]), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2
    assert values[1][0] == '\'=HYPERLINK("http://x")-kavejumi.csv'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_home_in_latvian_names_my_work(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="lv")
    client.force_login(busy.director_lizuma)
    body = client.get(reverse("home")).content.decode()
    assert "Mani darbi" in body
    assert "Plāni, kas gaida manu apstiprinājumu" in body


def test_a_role_with_nothing_to_act_on_still_has_a_home(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.admin)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Your overview" in response.content.decode()
    client.force_login(busy.nobody)
    assert "You have no role yet" in client.get(reverse("home")).content.decode()


def test_the_municipality_follows_up_pupils_over_the_absence_threshold(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_gulbene)
    rows = client.get(reverse("work_list", args=["absences"])).context["rows"]
    assert sorted(row.subject for row, _ in rows) == ["Anna Kalniņa", "Jānis Bērziņš"]
    url = reverse("risk_absence_follow_up", args=[busy.pupil_lizuma.public_id])
    assert client.get(url).status_code == 200
    me = busy.coordinator_gulbene.pk
    # Taking it: in progress with an owner; still on the list, now with the owner named.
    response = client.post(url, {"status": "in_progress", "owner": me, "note": ""})
    assert response.status_code == 302
    rows = client.get(reverse("work_list", args=["absences"])).context["rows"]
    assert "in progress (Inese Gulbe)" in {row.what.split("; ")[1] for row, _ in rows}
    # Done needs a note; without one nothing is written.
    refused = client.post(url, {"status": "done", "owner": me, "note": " "})
    assert refused.status_code == 200
    assert AbsenceFollowUp.objects.get(pupil=busy.pupil_lizuma).status == "in_progress"
    client.post(url, {"status": "done", "owner": me, "note": "Sazinājāmies ar ģimeni un sociālo dienestu."})
    assert counts(busy.coordinator_gulbene)["absences"] == 1
    assert (
        AuditEvent.objects.filter(action="risk.absence_follow_up.updated", pupil_id=busy.pupil_lizuma.pk).count() == 2
    )


def test_another_municipality_cannot_follow_up_or_own_it(busy: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_madona)
    url = reverse("risk_absence_follow_up", args=[busy.pupil_lizuma.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"status": "done", "note": "x"}).status_code == 404
    client.force_login(busy.coordinator_gulbene)
    client.post(url, {"status": "in_progress", "owner": busy.coordinator_madona.pk})
    assert not AbsenceFollowUp.objects.exists()
    # A school's teacher holds no such task either.
    client.force_login(busy.teacher_lizuma)
    assert client.get(url).status_code == 404


def test_a_list_costs_the_same_for_many_rows(busy: World, django_assert_max_num_queries) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_lizuma)
    url = reverse("work_list", args=["flags"])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    period = period_now(busy)
    for n in range(12):
        flag_for(add_pupil(busy, busy.lizuma_7a, "Skolēns", f"Nr{n}"), "unjustified_semester", period=period)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.context["page"].paginator.count == 13


def nav_count(body: str) -> str:
    start = body.index('<span class="nav-count">') + len('<span class="nav-count">')
    return body[start : body.index("<", start)]


def test_the_navigation_count_is_exact_at_home_and_at_most_a_minute_old_elsewhere(busy: World, clock) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(busy.coordinator_lizuma)
    assert nav_count(client.get(reverse("pupil_search")).content.decode()) == "6"
    # Anna's flag dismissed (the data was wrong): one item fewer.
    flag = busy.pupil_lizuma.flags.get(status=FlagStatus.OPEN)
    flag_dismiss(actor=busy.coordinator_lizuma, flag=flag, reason=DismissReason.DATA_ERROR, comment="Labots e-klasē")
    assert nav_count(client.get(reverse("pupil_search")).content.decode()) == "6"  # kept for a minute
    home = client.get(reverse("home"))
    assert home.context["summary"].total == 5
    assert nav_count(home.content.decode()) == "5"  # counted afresh at home
    # A new flag: the other pages show it once the minute has passed.
    flag_for(busy.pupil_lizuma_8a, "attendance_4w", period=period_now(busy), value="80", threshold="90")
    assert nav_count(client.get(reverse("pupil_search")).content.decode()) == "5"
    clock.shift(work.NAV_COUNT_SECONDS + 1)
    assert nav_count(client.get(reverse("pupil_search")).content.decode()) == "6"


def test_the_home_page_writes_the_session_only_when_the_count_changes_or_ages(busy: World) -> None:
    """Every session write is an UPDATE and a commit: the busiest page makes none when the count it
    keeps is the same and fresh, and still one when the count changed or half the minute passed.
    The clock stands still here: on a slow machine the ticking one could pass the half minute."""
    with time_machine.travel(timezone.now(), tick=False) as frozen:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(busy.coordinator_lizuma)
        client.get(reverse("home"))

        def session_writes() -> int:
            with CaptureQueriesContext(connection) as queries:
                client.get(reverse("home"))
            return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

        assert session_writes() == 0  # the same count, just kept
        flag = busy.pupil_lizuma.flags.get(status=FlagStatus.OPEN)
        flag_dismiss(
            actor=busy.coordinator_lizuma, flag=flag, reason=DismissReason.DATA_ERROR, comment="Labots e-klasē"
        )
        assert session_writes() == 1  # the count changed: kept at once
        assert nav_count(client.get(reverse("pupil_search")).content.decode()) == "5"
        frozen.shift(work.NAV_COUNT_SECONDS // 2 + 1)
        assert session_writes() == 1  # half the minute passed: the moment is renewed
        assert session_writes() == 0
