"""The outcomes page reads its pre-aggregate (decision 0056): the live counts of the refresh's day,
summed over the reader's schools; the refresh writes only what changed; no cells yet: live."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pumpurs.people.models import Enrolment, Institution, Municipality, Pupil, User
from pumpurs.reporting.models import MonitoringRefresh, OutcomeCell
from pumpurs.reporting.outcome_cells import outcome_cells_refresh, page_counts
from pumpurs.reporting.outcomes import Horizon, OutcomeKind, outcome_counts
from pumpurs.reporting.preaggregates import monitoring_refresh
from pumpurs.reporting.tests import history as h
from pumpurs.world.personas import World

R = Enrolment.EndReason
K = OutcomeKind


@pytest.fixture
def cohort(world: World) -> dict[str, list[Pupil]]:
    """2024/25, all first flagged or supported in its first semester. Lizuma: twelve flagged, not
    supported — six left on 3.3.2025, six moved up; six flagged and supported — five moved up, one
    left; twelve never flagged (not counted). Tirzas (Gulbene too): one supported, left on 2.5.2025.
    Madona: one flagged, left."""
    s1 = h.semester()
    found: dict[str, list[Pupil]] = {"flagged": [], "supported": [], "quiet": []}
    for serial in range(12):
        pupil = lizuma_pupil(world, serial, leaves=serial < 6)
        h.flag(pupil, s1, "unjustified_semester")
        found["flagged"].append(pupil)
    for serial in range(12, 18):
        pupil = lizuma_pupil(world, serial, leaves=serial == 12)
        h.flag(pupil, s1, "unjustified_semester")
        h.support(pupil, world.lizuma, s1, world.coordinator_lizuma, dt.date(2024, 11, 5))
        found["supported"].append(pupil)
    for serial in range(18, 30):
        found["quiet"].append(h.past_pupil(world.lizuma, serial, continues=True))
    tirzas = h.past_pupil(world.tirzas, 30, ends_on=dt.date(2025, 5, 2), reason=R.LEFT)
    h.support(tirzas, world.tirzas, s1, world.coordinator_tirzas, dt.date(2024, 11, 5))
    madona = h.past_pupil(world.madona_school, 40, ends_on=dt.date(2025, 3, 3), reason=R.LEFT)
    h.flag(madona, s1, "unjustified_semester")
    return found


def lizuma_pupil(world: World, serial: int, *, leaves: bool) -> Pupil:
    """A Lizuma pupil of 2024/25 who left without completing on 3.3.2025, or moved up a grade."""
    if leaves:
        return h.past_pupil(world.lizuma, serial, ends_on=dt.date(2025, 3, 3), reason=R.LEFT)
    return h.past_pupil(world.lizuma, serial, continues=True)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_lines(response: HttpResponse) -> list[str]:
    """The export's lines: first when it was counted, then the header and the table."""
    return response.content.decode("utf-8-sig").splitlines()


Row = tuple[int, str, int | None, int | None, bool, str, int]


def held() -> dict[int, Row]:
    """The cells by primary key."""
    return {
        c.pk: (c.cohort_id, c.horizon, c.horizon_year_id, c.institution_id, c.supported, c.outcome, c.pupils)
        for c in OutcomeCell.objects.all()
    }


def live(world: World) -> set[Row]:
    """The live statement's counts per school, as the cells should hold them."""
    return {
        (c.cohort_id, c.horizon, c.horizon_year_id, c.institution_id, c.supported, c.outcome, c.pupils)
        for c in outcome_counts(today=world.today, per_school=True)
    }


def schools_of(*municipalities: Municipality) -> list[int]:
    return list(Institution.objects.filter(municipality__in=municipalities).values_list("pk", flat=True))


def true_counts(world: World, schools: list[int], horizon: str) -> dict[tuple[int, int | None, bool, str], int]:
    counted = page_counts(today=world.today, institution_ids=schools, horizon=horizon)
    return {(c.cohort_id, c.horizon_year_id, c.supported, c.outcome): c.pupils for c in counted.counts}


def test_the_cells_hold_the_known_answers(world: World, cohort: object) -> None:
    monitoring_refresh(today=world.today)
    year = h.year().pk
    gulbene = true_counts(world, schools_of(world.gulbene), Horizon.ONE_YEAR)
    assert gulbene == {
        (year, None, False, K.ENROLLED): 6,
        (year, None, False, K.LEFT): 6,
        (year, None, True, K.ENROLLED): 5,
        (year, None, True, K.LEFT): 2,  # one at Lizuma, one at Tirzas
    }
    national = true_counts(world, schools_of(world.gulbene, world.madona), Horizon.ONE_YEAR)
    assert national[(year, None, False, K.LEFT)] == 7  # Madona's leaver added
    assert true_counts(world, [world.madona_school.pk], Horizon.ONE_YEAR) == {(year, None, False, K.LEFT): 1}
    # Counted at the school of the first day: Tirzas alone holds only its one supported leaver.
    assert true_counts(world, [world.tirzas.pk], Horizon.ONE_YEAR) == {(year, None, True, K.LEFT): 1}


@pytest.mark.parametrize("horizon", [Horizon.ONE_YEAR, Horizon.YEAR_END])
def test_the_page_from_the_cells_is_the_live_page(world: World, cohort: object, horizon: str) -> None:
    readers = [
        (world.national, {}),
        (world.national, {"municipality": str(world.madona.public_id)}),
        (world.national, {"municipality": str(world.gulbene.public_id)}),
        (world.coordinator_gulbene, {}),
    ]

    def pages() -> list[tuple[object, bytes]]:
        shown = []
        for user, query in readers:
            client = signed_in(user)
            page = client.get(reverse("reporting:outcomes"), {"horizon": horizon, **query})
            exported = client.get(reverse("reporting:outcomes_csv"), {"horizon": horizon, **query})
            assert page.status_code == exported.status_code == 200
            shown.append((page.context["blocks"], csv_lines(exported)[1:]))
        return shown

    live = pages()
    assert all(blocks for blocks, _csv in live)
    monitoring_refresh(today=world.today)
    assert pages() == live


def test_per_school_counts_add_up_to_the_counts(world: World, cohort: object) -> None:
    """The grain of the cells loses nothing: summed over the schools, the per-school counts are the
    statement's counts for the whole country."""
    summed: dict[tuple[object, ...], int] = {}
    for c in outcome_counts(today=world.today, per_school=True):
        key = (c.cohort_id, c.horizon, c.horizon_year_id, c.supported, c.outcome)
        summed[key] = summed.get(key, 0) + c.pupils
    whole = {
        (c.cohort_id, c.horizon, c.horizon_year_id, c.supported, c.outcome): c.pupils
        for c in outcome_counts(today=world.today)
    }
    assert summed == whole
    assert len(whole) >= 6


def test_the_refresh_writes_the_cells_and_a_second_run_changes_nothing(
    world: World, cohort: dict[str, list[Pupil]]
) -> None:
    written = outcome_cells_refresh(today=world.today)
    cells = held()
    assert written == len(cells) > 0
    assert set(cells.values()) == live(world)
    assert outcome_cells_refresh(today=world.today) == 0
    assert held() == cells  # the same rows, untouched
    # One leaver's end reason corrected to "moved abroad": only the cells it changes are written.
    leaver = cohort["flagged"][0]
    Enrolment.objects.filter(pupil=leaver).update(end_reason=R.MOVED_ABROAD)
    changed = outcome_cells_refresh(today=world.today)
    assert 0 < changed < len(cells)
    assert set(held().values()) == live(world)
    # The last leaver of a cell gone: that cell is deleted, not kept at zero.
    Enrolment.objects.filter(pupil__in=cohort["flagged"][:6]).update(end_reason=R.MOVED_ABROAD)
    Enrolment.objects.filter(pupil=cohort["supported"][0]).update(end_reason=R.MOVED_ABROAD)
    outcome_cells_refresh(today=world.today)
    assert not OutcomeCell.objects.filter(institution_id=world.lizuma.pk, outcome=K.LEFT).exists()
    assert not OutcomeCell.objects.filter(pupils=0).exists()


def test_the_page_reads_the_cells_not_the_enrolments(world: World, cohort: dict[str, list[Pupil]]) -> None:
    monitoring_refresh(today=world.today)
    client = signed_in(world.national)
    before = csv_lines(client.get(reverse("reporting:outcomes_csv")))[1:]
    for name in ("reporting:outcomes", "reporting:outcomes_csv"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name)).status_code == 200
        sql = " ".join(q["sql"] for q in captured.captured_queries)
        for table in ("people_enrolment", "risk_flag", "support_delivery"):
            assert table not in sql, (name, table)
    # The facts change; the page keeps the refresh's numbers until the next refresh.
    Enrolment.objects.filter(pupil__in=cohort["flagged"][:6]).update(end_reason=R.MOVED_ABROAD)
    assert csv_lines(client.get(reverse("reporting:outcomes_csv")))[1:] == before
    monitoring_refresh(today=world.today)
    assert csv_lines(client.get(reverse("reporting:outcomes_csv")))[1:] != before


def test_the_page_says_when_it_counted(world: World, cohort: object) -> None:
    client = signed_in(world.national)
    live = client.get(reverse("reporting:outcomes"))
    assert live.context["counted"].live
    assert "Saskaitīts tagad" in live.content.decode()  # no refresh yet: counted on the request
    MonitoringRefresh.objects.create(
        computed_at=h.at_ten(world.today), for_day=world.today, effect_cells=0, cost_cells=0, indicator_cells=0,
        rule_groups=0, seconds=0,
    )  # fmt: skip
    assert client.get(reverse("reporting:outcomes")).context["counted"].live  # a refresh before the outcome cells
    monitoring_refresh(today=world.today)
    html = client.get(reverse("reporting:outcomes")).content.decode()
    assert "Skaitļi uz" in html
    assert "Saskaitīts tagad" not in html


def test_the_csv_says_when_it_counted_as_the_page_does(world: World, cohort: object) -> None:
    def at(hour: int, minute: int) -> time_machine.travel:
        return time_machine.travel(
            timezone.make_aware(dt.datetime.combine(world.today, dt.time(hour, minute))), tick=False
        )

    def fetched(language: str = "lv") -> tuple[str, list[str]]:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(world.national)  # signed in now: hours later a session has expired
        page, exported = client.get(reverse("reporting:outcomes")), client.get(reverse("reporting:outcomes_csv"))
        assert page.status_code == exported.status_code == 200
        return page.content.decode(), csv_lines(exported)

    day = f"{world.today:%d.%m.%Y}"
    with at(14, 35):  # no refresh yet: counted on the request, at its moment
        page, lines = fetched()
    live = f"Saskaitīts tagad, {day} 14:35: rīta atjaunošana šos skaitļus vēl nav aprēķinājusi."
    assert lines[0] == live
    assert f'<p class="note">{live}</p>' in page
    with at(6, 5):
        monitoring_refresh(today=world.today)
    with at(15, 0):  # from the cells: the refresh's moment, not the request's
        page, lines = fetched()
        _page, in_english = fetched("en")
    refreshed = f"Skaitļi uz {day} 06:05 (atjauno katru rītu kopā ar rādītājiem)."
    assert lines[0] == refreshed
    assert f'<p class="note">{refreshed}</p>' in page
    assert lines[1].split(";")[:2] == ["Tvērums", "Kohorta"]  # the header follows the note
    assert in_english[0].startswith("Numbers as of ")  # the reader's language, as on the page
    assert in_english[0].endswith(" 06:05 (refreshed each morning with the indicators).")


@pytest.mark.parametrize("name", ["reporting:outcomes", "reporting:outcomes_csv"])
def test_refusals_stay_with_the_cells(world: World, cohort: object, name: str) -> None:
    monitoring_refresh(today=world.today)
    for user in (world.coordinator_lizuma, world.director_lizuma, world.teacher_lizuma, world.nobody, world.dpo):
        assert signed_in(user).get(reverse(name)).status_code == 404
    other = signed_in(world.coordinator_gulbene).get(reverse(name), {"municipality": str(world.madona.public_id)})
    assert other.status_code == 404
    # Gulbene's coordinator reads Gulbene's cells only: Madona's leaver is not in the total.
    page = signed_in(world.coordinator_gulbene).get(reverse("reporting:outcomes"))
    assert page.context["blocks"][0].rows[1].total == 12
