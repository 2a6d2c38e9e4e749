"""The watch list, told through the personas.

Ilze Ozola (Lizuma 7.a) sees the flagged pupils of her own class only — never Roberts Šmits of
8.a nor Jānis Bērziņš of Tirzas. Līga Bērza, Lizuma's coordinator, sees the whole school, filters
it by plain GET parameters, sets how many pupils the school can support, and sees who falls
inside that capacity.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import ClassGroup, Role
from pumpurs.risk import selectors
from pumpurs.risk.models import FlagStatus, Level, SchoolCapacity
from pumpurs.risk.rules import rule_severity
from pumpurs.risk.tests.watch_factories import add_pupil, assessment_for, flag_for, period_now
from pumpurs.world.personas import World, make_user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def watch(user, **params) -> str:
    response = client_for(user).get(reverse("watch_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def names_in(html: str) -> list[str]:
    """Pupil names in the table, in the order shown."""
    return re.findall(r'<th scope="row"><a href="/pupils/[0-9a-f-]+/#risk">([^<]+)</a></th>', html)


@pytest.fixture
def flagged(world: World) -> World:
    """One open flag for each of the three persona pupils outside Madona."""
    period = period_now(world)
    flag_for(world.pupil_lizuma, "unjustified_semester", period=period)
    flag_for(world.pupil_lizuma_8a, "attendance_4w", period=period, value="82.5", threshold="90")
    flag_for(world.pupil_tirzas, "unjustified_semester", period=period)
    return world


# --- Who sees whom ------------------------------------------------------------------------------


def test_class_teacher_sees_flags_of_her_own_class_only(flagged: World) -> None:
    html = watch(flagged.teacher_lizuma)
    assert names_in(html) == ["Anna Kalniņa"]
    assert "Roberts" not in html
    assert "Bērziņš" not in html


def test_other_class_teacher_of_the_school_sees_only_8a(flagged: World) -> None:
    assert names_in(watch(flagged.teacher_lizuma_8a)) == ["Roberts Šmits"]


def test_tirzas_teacher_never_sees_lizuma(flagged: World) -> None:
    html = watch(flagged.teacher_tirzas)
    assert names_in(html) == ["Jānis Bērziņš"]
    assert "Kalniņa" not in html


@pytest.mark.parametrize("persona", ["coordinator_lizuma", "director_lizuma", "specialist_lizuma"])
def test_school_roles_see_the_whole_school_and_nothing_else(flagged: World, persona: str) -> None:
    html = watch(getattr(flagged, persona))
    assert sorted(names_in(html)) == ["Anna Kalniņa", "Roberts Šmits"]
    assert "Bērziņš" not in html


@pytest.mark.parametrize("persona", ["coordinator_gulbene", "national", "admin", "nobody"])
def test_roles_without_pupil_risk_get_404(world: World, persona: str) -> None:
    assert client_for(getattr(world, persona)).get(reverse("watch_list")).status_code == 404


def test_another_school_given_in_the_address_is_404(flagged: World) -> None:
    client = client_for(flagged.coordinator_lizuma)
    response = client.get(reverse("watch_list"), {"institution": str(flagged.tirzas.public_id)})
    assert response.status_code == 404


def test_a_coordinator_of_two_schools_chooses_one(flagged: World) -> None:
    both = make_user(
        "divas.skolas",
        "Dita",
        "Abas",
        {"role": Role.SCHOOL_COORDINATOR, "institution": flagged.lizuma},
        {"role": Role.SCHOOL_COORDINATOR, "institution": flagged.tirzas},
    )
    html = watch(both, institution=str(flagged.tirzas.public_id))
    assert names_in(html) == ["Jānis Bērziņš"]
    assert 'name="institution"' in html
    assert "Lizuma pamatskola</option>" in html


def test_page_is_latvian_by_default(flagged: World) -> None:
    html = watch(flagged.teacher_lizuma)
    assert '<html lang="lv">' in html
    assert "Uzraudzības saraksts" in html


# --- Content, filters and order -----------------------------------------------------------------


@pytest.fixture
def school(world: World) -> World:
    """Lizuma with a mix: flags of several rules, questionnaire levels, two grades."""
    period = period_now(world)
    world.lizuma_7b = ClassGroup.objects.create(institution=world.lizuma, school_year=world.year, grade=7, name="7.b")
    anna, roberts = world.pupil_lizuma, world.pupil_lizuma_8a
    flag_for(anna, "unjustified_semester", period=period)
    flag_for(anna, "attendance_4w", period=period, value="80", threshold="90")
    flag_for(roberts, "failing_term_grade", period=period, value="1", threshold="1")
    high = add_pupil(world, world.lizuma_7b, "Ieva", "Zariņa")
    assessment_for(high, Level.HIGH, period=period, by=world.teacher_lizuma)
    medium = add_pupil(world, world.lizuma_8a, "Oskars", "Apsītis", gender="M")
    assessment_for(medium, Level.MEDIUM, period=period, by=world.teacher_lizuma_8a)
    low = add_pupil(world, world.lizuma_8a, "Marta", "Lāce")
    assessment_for(low, Level.LOW, period=period, by=world.teacher_lizuma_8a)
    dismissed = add_pupil(world, world.lizuma_7a, "Kārlis", "Dīķis", gender="M")
    flag_for(dismissed, "nv_period", period=period, status=FlagStatus.DISMISSED)
    return world


def test_the_list_holds_open_flags_and_medium_or_high_levels_only(school: World) -> None:
    html = watch(school.coordinator_lizuma)
    assert sorted(names_in(html)) == ["Anna Kalniņa", "Ieva Zariņa", "Oskars Apsītis", "Roberts Šmits"]
    assert "Marta" not in html  # low level, no flag
    assert "Kārlis" not in html  # only a dismissed flag


def test_each_row_shows_class_reasons_level_and_severity(school: World) -> None:
    rows = {
        r.pupil.first_name: r for r in selectors.watch_list(school.coordinator_lizuma, institution=school.lizuma).rows
    }
    anna = rows["Anna"]
    assert anna.class_group.name == "7.a"
    assert len(anna.reasons) == 2
    assert all(reason for reason in anna.reasons)
    assert rows["Ieva"].level == Level.HIGH
    assert rows["Ieva"].reasons == []
    assert rows["Ieva"].severity == selectors.LEVEL_POINTS[Level.HIGH]
    assert anna.severity == sum(selectors.rule_severity(f.rule) for f in anna.flags)
    html = watch(school.coordinator_lizuma)
    for reason in anna.reasons:
        assert reason in html.replace("&#x27;", "'").replace("&quot;", '"')


def test_default_order_is_by_severity(school: World) -> None:
    names = names_in(watch(school.coordinator_lizuma))
    rows = selectors.watch_list(school.coordinator_lizuma, institution=school.lizuma).rows
    severities = [r.severity for r in rows]
    assert severities == sorted(severities, reverse=True)
    assert names == [f"{r.pupil.first_name} {r.pupil.last_name}" for r in rows]


def test_sort_by_name_and_by_class(school: World) -> None:
    by_name = names_in(watch(school.coordinator_lizuma, sort="name"))
    assert by_name == ["Oskars Apsītis", "Anna Kalniņa", "Roberts Šmits", "Ieva Zariņa"]
    by_class = names_in(watch(school.coordinator_lizuma, sort="class"))
    assert by_class == ["Anna Kalniņa", "Ieva Zariņa", "Oskars Apsītis", "Roberts Šmits"]  # 7.a, 7.b, 8.a, 8.a


def test_filter_by_reason(school: World) -> None:
    assert names_in(watch(school.coordinator_lizuma, reason="failing_term_grade")) == ["Roberts Šmits"]
    assert names_in(watch(school.coordinator_lizuma, reason="attendance_4w")) == ["Anna Kalniņa"]


def test_filter_by_grade(school: World) -> None:
    assert sorted(names_in(watch(school.coordinator_lizuma, grade="8"))) == ["Oskars Apsītis", "Roberts Šmits"]


def test_filter_by_class(school: World) -> None:
    html = watch(school.coordinator_lizuma, **{"class": str(school.lizuma_7b.public_id)})
    assert names_in(html) == ["Ieva Zariņa"]


def test_filter_by_level(school: World) -> None:
    assert names_in(watch(school.coordinator_lizuma, level="high")) == ["Ieva Zariņa"]
    assert names_in(watch(school.coordinator_lizuma, level="medium")) == ["Oskars Apsītis"]
    assert sorted(names_in(watch(school.coordinator_lizuma, level="missing"))) == ["Anna Kalniņa", "Roberts Šmits"]


def test_filters_combine_and_each_list_has_its_own_address(school: World) -> None:
    html = watch(school.coordinator_lizuma, grade="7", sort="name")
    assert names_in(html) == ["Anna Kalniņa", "Ieva Zariņa"]
    # The order links keep the other filters in the address.
    assert "?grade=7&amp;sort=severity" in html


def test_a_class_of_another_school_in_the_address_is_ignored_not_leaked(school: World) -> None:
    html = watch(school.coordinator_lizuma, **{"class": str(school.tirzas_7a.public_id)})
    assert "Bērziņš" not in html
    assert 'class="field__errors"' in html


def test_no_match_says_so(school: World) -> None:
    html = watch(school.teacher_lizuma, reason="failing_term_grade")
    assert names_in(html) == []
    with translation.override("lv"):
        assert translation.gettext("No pupil on the watch list matches these filters.") in html


# --- Overdue questionnaires -----------------------------------------------------------------------


def test_overdue_questionnaire_after_four_weeks_for_a_pupil_who_needs_one(world: World) -> None:
    period = period_now(world)
    flag_for(world.pupil_lizuma, period=period, status=FlagStatus.ACCEPTED)
    early = period.starts_on + dt.timedelta(days=10)
    late = selectors.assessment_overdue_since(period) + dt.timedelta(days=1)

    waiting = rule_severity("unjustified_semester")  # the accepted flag, no support case yet

    (row,) = selectors.watch_list(world.coordinator_lizuma, institution=world.lizuma, today=early).rows
    assert (row.overdue, row.awaiting_support, row.severity) == (False, True, waiting)
    (row,) = selectors.watch_list(world.coordinator_lizuma, institution=world.lizuma, today=late).rows
    assert row.pupil == world.pupil_lizuma
    assert row.overdue
    assert row.severity == selectors.OVERDUE_POINTS + waiting

    assessment_for(world.pupil_lizuma, Level.LOW, period=period, by=world.teacher_lizuma)
    (row,) = selectors.watch_list(world.coordinator_lizuma, institution=world.lizuma, today=late).rows
    assert (row.overdue, row.awaiting_support, row.severity) == (False, True, waiting)


def test_pupils_without_concern_are_counted_not_listed(world: World) -> None:
    period = period_now(world)
    late = selectors.assessment_overdue_since(period) + dt.timedelta(days=1)
    result = selectors.watch_list(world.coordinator_lizuma, institution=world.lizuma, today=late)
    assert result.rows == []
    assert result.unassessed == 2  # Anna and Roberts have no questionnaire yet
    assert selectors.watch_list(world.teacher_lizuma, institution=world.lizuma, today=late).unassessed == 1


def test_a_long_list_comes_in_pages_that_keep_the_filters_and_the_ranks(
    school: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pumpurs.risk import views

    monkeypatch.setattr(views, "WATCH_PAGE_SIZE", 3)
    SchoolCapacity.objects.create(institution=school.lizuma, period=period_now(school), capacity=2)
    everyone = [
        f"{r.pupil.first_name} {r.pupil.last_name}"
        for r in selectors.watch_list(school.coordinator_lizuma, institution=school.lizuma).rows
    ]
    assert len(everyone) == 4

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(school.coordinator_lizuma)

    def page(query: str) -> str:
        response = client.get(reverse("watch_list") + "?" + query)
        assert response.status_code == 200
        return response.content.decode()

    first = page("sort=severity")
    assert names_in(first) == everyone[:3]
    assert "Pupils 1–3 of 4" in first
    assert "Page 1 of 2" in first
    # The next page's address keeps the order; there is no previous page yet.
    (next_query,) = re.findall(r'<a rel="next" href="\?([^"]+)">', first)
    next_query = next_query.replace("&amp;", "&")
    assert "sort=severity" in next_query
    assert 'rel="prev"' not in first
    second = page(next_query)
    assert names_in(second) == everyone[3:]
    assert "Pupils 4–4 of 4" in second
    # The rank and the capacity mark are the school's, whatever the page.
    assert "no (no. 4)" in second
    assert 'rel="prev"' in second
    # A page past the end shows the last one; a list that fits one page has no pager.
    assert names_in(page("page=9")) == everyone[3:]
    assert 'class="pager"' not in page("reason=failing_term_grade")


# --- Capacity -------------------------------------------------------------------------------------


def test_capacity_marks_the_most_severe_pupils_for_everyone(school: World) -> None:
    period = period_now(school)
    SchoolCapacity.objects.create(institution=school.lizuma, period=period, capacity=2)
    rows = selectors.watch_list(school.coordinator_lizuma, institution=school.lizuma).rows
    assert [r.within_capacity for r in rows] == [True, True, False, False]
    assert [r.rank for r in rows] == [1, 2, 3, 4]
    # Sorted by name, the marks stay with the pupils.
    by_name = selectors.watch_list(
        school.coordinator_lizuma, institution=school.lizuma, filters=selectors.WatchFilter(sort="name")
    ).rows
    assert {r.pupil.pk: r.within_capacity for r in by_name} == {r.pupil.pk: r.within_capacity for r in rows}
    # Ilze's only listed pupil keeps the school-wide rank.
    (anna,) = selectors.watch_list(school.teacher_lizuma, institution=school.lizuma).rows
    assert (anna.rank, anna.within_capacity) == (next(r.rank for r in rows if r.pupil == anna.pupil), True)
    html = watch(school.teacher_lizuma)
    with translation.override("lv"):
        assert translation.gettext("yes (no. %(rank)s)") % {"rank": 1} in html


def test_a_class_teacher_sees_the_order_within_her_class(school: World) -> None:
    everyone = selectors.watch_list(school.coordinator_lizuma, institution=school.lizuma).rows
    by_class: dict[str, list[int]] = {}
    for row in everyone:  # school order, so each class's own order follows it
        by_class.setdefault(row.class_group.name, []).append(row.class_rank)
    assert by_class == {name: list(range(1, len(ranks) + 1)) for name, ranks in by_class.items()}
    eighth = selectors.watch_list(school.teacher_lizuma_8a, institution=school.lizuma).rows
    assert [r.class_rank for r in eighth] == [1, 2]
    assert [r.rank for r in eighth] == [r.rank for r in everyone if r.class_group.name == "8.a"]
    assert [r.rank for r in eighth] != [1, 2]  # the school-wide rank stays as it was
    html = watch(school.teacher_lizuma_8a)
    with translation.override("lv"):
        assert translation.gettext("no. %(n)s in class") % {"n": 2} in html


def test_without_a_capacity_nobody_is_marked(school: World) -> None:
    rows = selectors.watch_list(school.coordinator_lizuma, institution=school.lizuma).rows
    assert {r.within_capacity for r in rows} == {None}


@pytest.mark.parametrize("persona", ["coordinator_lizuma", "director_lizuma"])
def test_coordinator_and_director_set_the_capacity_and_it_is_audited(world: World, persona: str) -> None:
    user = getattr(world, persona)
    url = reverse("capacity_update", args=[world.lizuma.public_id])
    response = client_for(user).post(url, {"capacity": "12"})
    assert response.status_code == 302
    assert response["Location"] == reverse("watch_list") + f"?institution={world.lizuma.public_id}"
    assert SchoolCapacity.objects.get(institution=world.lizuma, period=period_now(world)).capacity == 12
    client_for(user).post(url, {"capacity": "15"})
    assert SchoolCapacity.objects.get(institution=world.lizuma).capacity == 15
    events = AuditEvent.objects.filter(action="risk.capacity.set", actor=user).order_by("pk")
    assert [(e.data["capacity"], e.data["previous"]) for e in events] == [(12, None), (15, 12)]


def test_capacity_form_is_shown_only_to_those_who_may_set_it(world: World) -> None:
    assert 'name="capacity"' in watch(world.coordinator_lizuma)
    assert 'name="capacity"' not in watch(world.teacher_lizuma)


@pytest.mark.parametrize(
    "persona", ["teacher_lizuma", "specialist_lizuma", "coordinator_tirzas", "coordinator_gulbene"]
)
def test_others_cannot_set_the_capacity(world: World, persona: str) -> None:
    url = reverse("capacity_update", args=[world.lizuma.public_id])
    assert client_for(getattr(world, persona)).post(url, {"capacity": "3"}).status_code == 404
    assert not SchoolCapacity.objects.exists()


def test_a_bad_capacity_is_refused_with_a_message(world: World) -> None:
    client = client_for(world.coordinator_lizuma)
    response = client.post(reverse("capacity_update", args=[world.lizuma.public_id]), {"capacity": "-1"}, follow=True)
    assert not SchoolCapacity.objects.exists()
    assert 'class="message message--error"' in response.content.decode()


def test_a_refused_capacity_is_shown_again_as_typed(world: World) -> None:
    """Issue 13: the refusal sends Līga back to the watch list with "-1" still in the field and the
    field marked, once."""
    client = client_for(world.coordinator_lizuma)
    url = reverse("capacity_update", args=[world.lizuma.public_id])
    html = client.post(url, {"capacity": "-1"}, follow=True).content.decode()
    assert re.search(r'<input[^>]*name="capacity"[^>]*value="-1"', html)
    assert "field--error" in html
    again = client.get(reverse("watch_list"), {"institution": str(world.lizuma.public_id)}).content.decode()
    assert not re.search(r'<input[^>]*name="capacity"[^>]*value="-1"', again)


def test_capacity_address_answers_405_to_get(world: World) -> None:
    url = reverse("capacity_update", args=[world.lizuma.public_id])
    assert client_for(world.coordinator_lizuma).get(url).status_code == 405


# --- Query count ------------------------------------------------------------------------------------


def _queries_for(world: World, *, add: int, start: int) -> int:
    period = period_now(world)
    for i in range(start, start + add):
        pupil = add_pupil(world, world.lizuma_8a, f"Skolēns{i:02d}", "Tests")
        flag_for(pupil, "unjustified_semester", period=period)
        if i % 3 == 0:
            flag_for(pupil, "attendance_4w", period=period, value="85", threshold="90")
        if i % 4 == 0:
            assessment_for(pupil, Level.MEDIUM, period=period, by=world.coordinator_lizuma)
    client = client_for(world.coordinator_lizuma)
    client.get(reverse("watch_list"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("watch_list"), {"sort": "name"})
    assert response.status_code == 200
    assert len(names_in(response.content.decode())) == start + add
    return len(queries)


def test_query_count_is_the_same_for_5_and_50_flagged_pupils(world: World) -> None:
    few = _queries_for(world, add=5, start=0)
    many = _queries_for(world, add=45, start=5)
    assert few == many
