"""The municipality's counts, the pupil's risk picture and flag decisions, through the personas.

Inese Gulbe (Gulbene's coordinator) counts flagged pupils per school but never reads a name, and
Madona does not exist for her. Ilze Ozola reads Anna Kalniņa's flags with their reasons and
evidence, the decision log and the indicator trend, and decides about the flags; Juris Priede,
the director, reads but may not decide; Dace Kalna (Tirzas) cannot even find the flag.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.people.models import Period
from pumpurs.risk import charts, rules, selectors
from pumpurs.risk.models import DismissReason, Flag, FlagDecision, FlagStatus, Level
from pumpurs.risk.tests.watch_factories import assessment_for, decide, flag_for, period_now, snapshot
from pumpurs.world.personas import World


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(user, url: str) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Municipality: counts, no names --------------------------------------------------------------


@pytest.fixture
def counted(world: World) -> World:
    period = period_now(world)
    flag_for(world.pupil_lizuma, "unjustified_semester", period=period)
    flag_for(world.pupil_lizuma, "attendance_4w", period=period, value="80", threshold="90")
    flag_for(world.pupil_lizuma_8a, "attendance_4w", period=period, value="85", threshold="90")
    flag_for(world.pupil_tirzas, "unjustified_semester", period=period, status=FlagStatus.DISMISSED)
    assessment_for(world.pupil_tirzas, Level.HIGH, period=period, by=world.teacher_tirzas)
    flag_for(world.pupil_madona, "unjustified_semester", period=period)
    return world


def test_municipality_coordinator_sees_counts_per_school(counted: World) -> None:
    rows = {
        r.institution.name: r
        for r in selectors.municipality_counts(counted.coordinator_gulbene, municipality=counted.gulbene)
    }
    lizuma, tirzas = rows["Lizuma pamatskola"], rows["Tirzas pamatskola"]
    assert (lizuma.pupils, lizuma.flagged, lizuma.high_level) == (2, 2, 0)
    assert lizuma.by_rule == {"attendance_4w": 2, "unjustified_semester": 1}
    assert (tirzas.pupils, tirzas.flagged, tirzas.high_level, tirzas.by_rule) == (1, 0, 1, {})
    assert set(rows) == {"Lizuma pamatskola", "Tirzas pamatskola"}


def test_municipality_page_shows_no_pupil_names(counted: World) -> None:
    html = get(counted.coordinator_gulbene, reverse("risk_municipality", args=[counted.gulbene.public_id]))
    assert "Lizuma pamatskola" in html
    assert "Tirzas pamatskola" in html
    for pupil in (counted.pupil_lizuma, counted.pupil_lizuma_8a, counted.pupil_tirzas):
        assert pupil.last_name not in html
        assert str(pupil.public_id) not in html
    assert not re.search(r"/pupils/[0-9a-f-]{36}/", html)


def test_municipality_coordinator_cannot_open_another_municipality(counted: World) -> None:
    client = client_for(counted.coordinator_gulbene)
    assert client.get(reverse("risk_municipality", args=[counted.madona.public_id])).status_code == 404
    assert (
        client_for(counted.coordinator_madona)
        .get(reverse("risk_municipality", args=[counted.gulbene.public_id]))
        .status_code
        == 404
    )


def test_national_sees_any_municipality(counted: World) -> None:
    html = get(counted.national, reverse("risk_municipality", args=[counted.madona.public_id]))
    assert "Madonas testa pamatskola" in html
    assert "Ķēniņa" not in html


def test_school_roles_count_only_their_school(counted: World) -> None:
    rows = selectors.municipality_counts(counted.coordinator_lizuma, municipality=counted.gulbene)
    assert [r.institution.name for r in rows] == ["Lizuma pamatskola"]


def test_municipality_index_leads_to_the_only_municipality_or_lists_them(counted: World) -> None:
    response = client_for(counted.coordinator_gulbene).get(reverse("risk_municipality_index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("risk_municipality", args=[counted.gulbene.public_id])
    html = get(counted.national, reverse("risk_municipality_index"))
    assert reverse("risk_municipality", args=[counted.madona.public_id]) in html
    assert client_for(counted.nobody).get(reverse("risk_municipality_index")).status_code == 404


def test_navigation_offers_each_role_its_risk_pages(world: World) -> None:
    teacher = get(world.teacher_lizuma, reverse("pupil_search"))
    assert f'href="{reverse("watch_list")}"' in teacher
    assert f'href="{reverse("risk_fairness")}"' not in teacher
    municipal = get(world.coordinator_gulbene, reverse("pupil_search"))
    assert f'href="{reverse("risk_municipality_index")}"' in municipal
    assert f'href="{reverse("watch_list")}"' not in municipal
    assert f'href="{reverse("risk_fairness")}"' in municipal


# --- The pupil's risk picture ----------------------------------------------------------------------


@pytest.fixture
def pictured(world: World) -> World:
    period = period_now(world)
    earlier = Period.objects.filter(starts_on__lt=period.starts_on).order_by("-starts_on").first()
    world.flag = flag_for(
        world.pupil_lizuma,
        "unjustified_semester",
        period=period,
        evidence={"source": "attendance", "from": "2026-09-01", "to": "2026-11-20", "unjustified": 23},
    )
    world.flag.refresh_from_db()  # the stored value (23.00), as the page reads it
    world.dismissed = flag_for(world.pupil_lizuma, "nv_period", period=period, value="2", threshold="2")
    decide(world.dismissed, "dismissed", world.teacher_lizuma, reason=DismissReason.DATA_ERROR, comment="Journal fixed")
    if earlier is not None:
        snapshot(world.pupil_lizuma, earlier, attendance="96.5", average="7.20")
    snapshot(world.pupil_lizuma, period, attendance="84.0", average="6.10")
    assessment_for(world.pupil_lizuma, Level.HIGH, period=period, by=world.teacher_lizuma)
    return world


def profile(user, world: World) -> str:
    return get(user, reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))


def test_risk_picture_shows_flags_with_reasons_and_evidence(pictured: World) -> None:
    html = profile(pictured.teacher_lizuma, pictured)
    assert 'id="risk"' in html
    assert selectors.reason_text(pictured.flag) in html.replace("&#x27;", "'").replace("&quot;", '"')
    facts = html[html.index('class="facts flag__facts"') :]
    facts = facts[: facts.index("</dl>")]
    assert "2026-09-01" in facts
    assert "2026-11-20" in facts
    assert "2026-11-20" in html


def test_reason_is_the_rule_sets_sentence(pictured: World) -> None:
    text = rules.reason_text(pictured.flag)
    assert "23" in text
    assert "20" in text
    assert text in profile(pictured.teacher_lizuma, pictured).replace("&#x27;", "'").replace("&quot;", '"')


def test_risk_picture_shows_the_decision_log(pictured: World) -> None:
    html = profile(pictured.teacher_lizuma, pictured)
    log = html[html.index('id="h-risk-decisions"') : html.index('id="h-risk-questionnaire"')]
    assert "Ilze Ozola" in log
    assert str(DismissReason.DATA_ERROR.label) in log or "dati ir kļūdaini" in log.lower() or "Journal fixed" in log
    assert "Journal fixed" in log


def test_risk_picture_draws_the_trend_as_inline_svg_with_a_table(pictured: World) -> None:
    html = profile(pictured.teacher_lizuma, pictured)
    svg = re.findall(r"<svg role=\"img\"[^>]*>.*?</svg>", html, re.S)
    assert len(svg) == 2  # attendance and average grade
    assert all("<polyline" in s and "<title" in s for s in svg)
    assert "84,0 %" in html or "84.0 %" in html  # the table carries the numbers
    assert "<script" not in html.split('id="risk"')[1]
    assert "http" not in "".join(svg)


def test_risk_picture_shows_the_latest_questionnaire_by_group(pictured: World) -> None:
    html = profile(pictured.teacher_lizuma, pictured)
    section = html[html.index('id="h-risk-questionnaire"') : html.index('id="h-risk-trend"')]
    assert "75 %" in section
    assert "50 %" in section


def test_director_does_not_see_sensitive_group_scores(pictured: World) -> None:
    html = profile(pictured.director_lizuma, pictured)
    section = html[html.index('id="h-risk-questionnaire"') : html.index('id="h-risk-trend"')]
    assert "75 %" in section
    assert "50 %" not in section


def test_decision_forms_only_for_those_who_may_decide(pictured: World) -> None:
    decide_url = reverse("flag_decide", args=[pictured.flag.public_id])
    assert decide_url in profile(pictured.teacher_lizuma, pictured)
    assert decide_url in profile(pictured.coordinator_lizuma, pictured)
    director = profile(pictured.director_lizuma, pictured)
    assert 'id="risk"' in director
    assert decide_url not in director


def test_roles_without_risk_permission_see_no_risk_picture(pictured: World) -> None:
    html = profile(pictured.national, pictured)
    assert 'id="risk"' not in html
    assert selectors.pupil_risk_picture(pictured.national, pupil=pictured.pupil_lizuma) is None


def test_line_chart_geometry() -> None:
    chart = charts.line_chart([("a", Decimal(100)), ("b", None), ("c", Decimal(50))], low=50, high=100, ticks=[50, 100])
    assert chart is not None
    assert [p.label for p in chart.points] == ["a", "c"]
    assert chart.points[0].y == chart.top
    assert chart.points[1].y == chart.baseline
    assert chart.points[0].x == chart.left
    assert chart.points[1].x == chart.plot_right
    assert charts.line_chart([("a", None)], low=0, high=10, ticks=[0]) is None


# --- Decisions through the page ------------------------------------------------------------------


def post_decision(user, flag: Flag, **data):
    return client_for(user).post(reverse("flag_decide", args=[flag.public_id]), data)


def test_teacher_accepts_a_flag(pictured: World) -> None:
    response = post_decision(pictured.teacher_lizuma, pictured.flag, action="accept", comment="Talked to the mother")
    assert response.status_code == 302
    assert response["Location"] == reverse("pupil_detail", args=[pictured.pupil_lizuma.public_id]) + "#risk"
    pictured.flag.refresh_from_db()
    assert pictured.flag.status == FlagStatus.ACCEPTED
    decision = FlagDecision.objects.filter(flag=pictured.flag).latest("decided_at")
    assert (decision.decision, decision.decided_by, decision.comment) == (
        "accepted",
        pictured.teacher_lizuma,
        "Talked to the mother",
    )


def test_coordinator_dismisses_with_a_reason_then_reopens(pictured: World) -> None:
    response = post_decision(
        pictured.coordinator_lizuma,
        pictured.flag,
        action="dismiss",
        reason=DismissReason.KNOWN_CAUSE,
        comment="Long illness",
    )
    assert response.status_code == 302
    pictured.flag.refresh_from_db()
    assert pictured.flag.status == FlagStatus.DISMISSED
    post_decision(pictured.coordinator_lizuma, pictured.flag, action="reopen", comment="Absences continue")
    pictured.flag.refresh_from_db()
    assert pictured.flag.status == FlagStatus.OPEN
    decisions = list(FlagDecision.objects.filter(flag=pictured.flag).values_list("decision", "reason"))
    assert decisions == [("dismissed", DismissReason.KNOWN_CAUSE), ("reopened", "")]
    html = profile(pictured.teacher_lizuma, pictured)
    assert "Long illness" in html
    assert "Absences continue" in html


def test_dismissing_without_a_reason_is_refused_with_a_message(pictured: World) -> None:
    client = client_for(pictured.teacher_lizuma)
    response = client.post(
        reverse("flag_decide", args=[pictured.flag.public_id]), {"action": "dismiss", "comment": "no"}, follow=True
    )
    assert response.status_code == 200
    assert 'class="message message--error"' in response.content.decode()
    pictured.flag.refresh_from_db()
    assert pictured.flag.status == FlagStatus.OPEN
    assert not FlagDecision.objects.filter(flag=pictured.flag).exists()


def test_a_refused_dismissal_keeps_the_comment_typed_beside_the_field(pictured: World) -> None:
    """Issue 13: the refusal comes back to the pupil's page with the comment as typed and the
    reason next to the form; only once, and only on that page."""
    client = client_for(pictured.teacher_lizuma)
    typed = "Ģimene pārcēlās; ar mammu runāju 3. novembrī"
    response = client.post(
        reverse("flag_decide", args=[pictured.flag.public_id]), {"action": "dismiss", "comment": typed}, follow=True
    )
    html = response.content.decode()
    textarea = re.search(rf'id="dismiss-comment-{pictured.flag.public_id}"[^>]*>([^<]*)</textarea>', html)
    assert textarea is not None
    assert textarea.group(1) == typed
    assert f'id="dismiss-error-{pictured.flag.public_id}"' in html
    # The error summary at the top of that form links to the field to fix (GOV.UK pattern).
    assert html.count('class="error-summary"') == 1
    assert f'href="#dismiss-reason-{pictured.flag.public_id}"' in html
    accept = re.search(rf'id="accept-comment-{pictured.flag.public_id}"[^>]*>([^<]*)</textarea>', html)
    assert accept is not None
    assert accept.group(1) == ""  # the sibling form stays empty
    pictured.flag.refresh_from_db()
    assert pictured.flag.status == FlagStatus.OPEN
    again = client.get(response.request["PATH_INFO"]).content.decode()
    assert typed not in again  # handed over once


def test_a_refused_reason_keeps_the_chosen_reason(pictured: World) -> None:
    client = client_for(pictured.teacher_lizuma)
    data = {"action": "dismiss", "reason": DismissReason.values[0], "comment": "x" * 2001}
    html = client.post(reverse("flag_decide", args=[pictured.flag.public_id]), data, follow=True).content.decode()
    assert f'<option value="{DismissReason.values[0]}" selected>' in html
    pictured.flag.refresh_from_db()
    assert pictured.flag.status == FlagStatus.OPEN


def test_reopening_needs_a_comment(pictured: World) -> None:
    post_decision(pictured.teacher_lizuma, pictured.dismissed, action="reopen", comment="  ")
    pictured.dismissed.refresh_from_db()
    assert pictured.dismissed.status == FlagStatus.DISMISSED


def test_director_may_read_but_not_decide(pictured: World) -> None:
    assert post_decision(pictured.director_lizuma, pictured.flag, action="accept").status_code == 403
    pictured.flag.refresh_from_db()
    assert pictured.flag.status == FlagStatus.OPEN


@pytest.mark.parametrize(
    "persona", ["teacher_tirzas", "teacher_lizuma_8a", "coordinator_gulbene", "national", "nobody"]
)
def test_out_of_scope_personas_get_404(pictured: World, persona: str) -> None:
    assert post_decision(getattr(pictured, persona), pictured.flag, action="accept").status_code == 404
    pictured.flag.refresh_from_db()
    assert pictured.flag.status == FlagStatus.OPEN


def test_decide_address_answers_405_to_get(pictured: World) -> None:
    url = reverse("flag_decide", args=[pictured.flag.public_id])
    assert client_for(pictured.teacher_lizuma).get(url).status_code == 405


def test_evidence_is_labelled_in_a_fixed_order_without_the_threshold() -> None:
    items = selectors.evidence_items(
        {"threshold": 20, "unjustified": 23, "to": "2026-11-20", "from": "2026-09-01", "window": "period", "odd": 1}
    )
    labels = [label for label, _ in items]
    assert labels[:2] == [
        str(selectors.common.EVIDENCE_LABELS["window"]),
        str(selectors.common.EVIDENCE_LABELS["from"]),
    ]
    assert ("odd", "1") in items
    assert all(value != "20" for _, value in items)
