"""The questionnaire pages, told through the personas: who sees the form, who sees only the result,
what is hidden from whom, and what happens when two people save the same questionnaire."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.calendar import semester_on
from pumpurs.people.models import Period, Pupil, Role, User
from pumpurs.risk import questionnaire as q
from pumpurs.risk.models import Assessment, Instrument
from pumpurs.world.personas import World


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(pupil: Pupil) -> str:
    return reverse("questionnaire_pupil", args=[pupil.public_id])


def seen_of(body: str) -> str:
    found = re.search(r'name="seen" value="([^"]+)"', body)
    assert found, "the form carries the state it was loaded with"
    return found.group(1)


def post(client: Client, pupil: Pupil, action: str, seen: str, **answers: str):
    data = {"seen": seen, "action": action}
    for code, value in answers.items():
        data[f"answer_{code.replace('_', '-')}"] = value
    return client.post(page(pupil), data)


def test_the_teacher_sees_the_form_grouped_by_the_four_risk_groups(world: World) -> None:
    response = client_for(world.teacher_lizuma).get(page(world.pupil_lizuma))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<fieldset class="q-group">') == 4
    for legend in (
        "Mācību darba un izglītības iestādes riski",
        "Ekonomiskie riski",
        "Ar ģimeni saistītie riski",
        "Sociālās vides un veselības riski",
    ):
        assert f"<legend>{legend}</legend>" in body
    assert "<legend>Skolēnam trūkst mācību motivācijas</legend>" in body
    assert body.count('type="radio"') == 3 * q.default_instrument().items.count()
    assert re.search(r'<input type="radio" name="answer_motivation" value="partly"[^>]* id="([^"]+)"', body)
    assert '<label for="id_answer_motivation_1">daļēji</label>' in body
    assert 'id="q-not-official"' in body
    assert "nav oficiālā IKVD" in body
    assert "Saglabāt melnrakstu" in body
    assert 'lang="lv"' in body
    assert seen_of(body) == "new"
    assert not Assessment.objects.exists()  # looking starts nothing


def test_save_a_draft_then_submit_and_see_the_result(world: World) -> None:
    anna, client = world.pupil_lizuma, client_for(world.teacher_lizuma)
    response = post(client, anna, "save", "new", motivation="yes", unjustified_absences="yes")
    assert response.status_code == 302
    draft = Assessment.objects.get(pupil=anna)
    assert draft.status == Assessment.Status.DRAFT
    body = client.get(page(anna)).content.decode()
    assert "Melnraksts ir saglabāts." in body
    assert re.search(r'name="answer_motivation" value="yes"[^>]*checked', body)
    assert "Atbildēja Ilze Ozola" in body

    # Issue 13, trap 7: a submission with unanswered items is not one click. The answers are
    # kept as a draft and the page asks, saying how many are missing.
    response = post(client, anna, "submit", seen_of(body), behaviour="partly")
    assert response.status_code == 302
    assert response["Location"].endswith("?confirm=submit")
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT
    assert draft.answers.count() == 3
    missing = q.default_instrument().items.count() - 3
    body = client.get(response["Location"]).content.decode()
    assert f"{missing} jautājumi nav atbildēti." in body
    assert "Iesniegt ar neatbildētiem jautājumiem" in body

    response = client.post(page(anna), {"seen": seen_of(body), "action": "submit", "unanswered_confirmed": missing})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.SUBMITTED
    assert draft.unanswered == missing
    assert draft.score_share == Decimal("23.33")  # 1 + 2 + 0.5 of 15
    body = client.get(page(anna)).content.decode()
    assert 'type="radio"' not in body
    assert "Riska līmenis" in body
    assert "zems" in body
    assert "(nepilnīga)" in body
    assert f"Nepilnīga: {missing} jautājumi netika atbildēti" in body
    assert "23,3 %" in body  # one percentage format: one decimal, the Latvian comma (issue 13)
    assert "43,8 %" in body  # learning group: 3.5 of 8


def test_history_of_earlier_semesters(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    now = semester_on(world.today)
    assert now is not None
    earlier_period = Period.objects.filter(starts_on__lt=now.starts_on).order_by("-starts_on").first()
    earlier = q.assessment_start(actor=ilze, pupil=anna, period=earlier_period)
    q.assessment_submit(
        unanswered_confirmed=True, actor=ilze, assessment=earlier, answers={"unjustified-absences": ("yes", "")}
    )
    body = client_for(ilze).get(page(anna)).content.decode()
    assert "Iepriekšējie rezultāti" in body
    assert reverse("questionnaire_assessment", args=[earlier.public_id]) in body
    assert str(earlier_period) in body
    assert 'type="radio"' in body  # this semester's form is still open


def test_a_stale_form_is_refused_and_the_current_answers_shown(world: World) -> None:
    anna = world.pupil_lizuma
    ilze, maris = client_for(world.teacher_lizuma), client_for(world.specialist_lizuma)
    post(ilze, anna, "save", "new", motivation="no")
    seen = seen_of(ilze.get(page(anna)).content.decode())
    seen_by_maris = seen_of(maris.get(page(anna)).content.decode())
    assert post(ilze, anna, "save", seen, motivation="yes").status_code == 302

    response = post(maris, anna, "save", seen_by_maris, motivation="partly")
    assert response.status_code == 409
    body = response.content.decode()
    assert "Kāds cits saglabāja šo anketu pēc tam, kad jūs to atvērāt" in body
    assert re.search(r'name="answer_motivation" value="yes"[^>]*checked', body)  # Ilze's, as stored
    assert q.answers_of(Assessment.objects.get(pupil=anna))["motivation"].answer == "yes"
    assert seen_of(body) != seen_by_maris  # the refreshed form can be saved again


def test_two_first_saves_do_not_overwrite_each_other(world: World) -> None:
    anna = world.pupil_lizuma
    ilze, maris = client_for(world.teacher_lizuma), client_for(world.specialist_lizuma)
    assert post(ilze, anna, "save", "new", motivation="yes").status_code == 302
    response = post(maris, anna, "submit", "new", motivation="no")
    assert response.status_code == 409
    assessment = Assessment.objects.get(pupil=anna)
    assert assessment.status == Assessment.Status.DRAFT
    assert q.answers_of(assessment)["motivation"].answer == "yes"


def test_a_comment_needs_an_answer(world: World) -> None:
    client = client_for(world.teacher_lizuma)
    response = client.post(
        page(world.pupil_lizuma), {"seen": "new", "action": "save", "comment_motivation": "Kaut kas"}
    )
    assert response.status_code == 400
    assert "Izvēlieties" in response.content.decode()
    assert not Assessment.objects.exists()


def submit_confirmed(client: Client, pupil: Pupil, **answers: str) -> None:
    data = {"seen": "new", "action": "submit", "unanswered_confirmed": "1"}
    data.update({f"answer_{code.replace('_', '-')}": value for code, value in answers.items()})
    assert client.post(page(pupil), data).status_code == 302


def test_a_new_assessment_is_a_new_version_and_the_old_result_stays(world: World) -> None:
    """Issue 13, trap 3: re-assessing (e.g. before the semester review) keeps the first result."""
    anna, client = world.pupil_lizuma, client_for(world.teacher_lizuma)
    submit_confirmed(client, anna, motivation="yes")
    first = Assessment.objects.get(pupil=anna)
    body = client.get(page(anna)).content.decode()
    assert "Sākt jaunu novērtējumu" in body
    assert post(client, anna, "new_version", seen_of(body)).status_code == 302

    first.refresh_from_db()
    assert first.status == Assessment.Status.SUBMITTED
    assert first.level
    assert first.score_share is not None
    second = Assessment.objects.exclude(pk=first.pk).get(pupil=anna)
    assert (second.status, second.version, second.previous_id) == (Assessment.Status.DRAFT, 2, first.pk)
    assert q.answers_of(second)["motivation"].answer == "yes"  # starts from the earlier answers
    assert AuditEvent.objects.filter(action="risk.assessment.new_version", pupil_id=anna.pk).exists()
    body = client.get(page(anna)).content.decode()
    assert 'type="radio"' in body  # the new version is the form now
    assert reverse("questionnaire_assessment", args=[first.public_id]) in body  # the old one in the history
    # Only the newest version may be followed by another.
    with pytest.raises(ValidationError):
        q.assessment_new_version(actor=world.teacher_lizuma, assessment=first)


def test_reopen_a_submitted_questionnaire(world: World) -> None:
    anna, client = world.pupil_lizuma, client_for(world.teacher_lizuma)
    submit_confirmed(client, anna, motivation="yes")
    body = client.get(page(anna)).content.decode()
    assert "Atvērt labošanai" in body
    assert post(client, anna, "reopen", seen_of(body)).status_code == 302
    assert Assessment.objects.get(pupil=anna).status == Assessment.Status.DRAFT
    assert AuditEvent.objects.filter(action="risk.assessment.reopened", pupil_id=anna.pk).exists()


def test_sensitive_items_are_hidden_not_disabled(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    anna = world.pupil_lizuma
    q.assessment_save(
        actor=world.teacher_lizuma,
        assessment=q.assessment_start(actor=world.teacher_lizuma, pupil=anna),
        answers={"health-problems": ("yes", "Diagnoze X")},
    )
    without = access.ROLE_PERMISSIONS[Role.SPECIALIST] - {Perm.VIEW_SENSITIVE}
    monkeypatch.setitem(access.ROLE_PERMISSIONS, Role.SPECIALIST, without)
    maris = client_for(world.specialist_lizuma)
    body = maris.get(page(anna)).content.decode()
    sensitive = q.default_instrument().items.filter(sensitive=True)
    for item in sensitive:
        assert item.code not in body
        assert item.text not in body
    assert "Diagnoze X" not in body
    assert body.count('<fieldset class="q-group">') == 2
    assert "Ģimenes un veselības jautājumi netiek rādīti" in body
    # Posting a hidden item anyway changes nothing: the form does not know it.
    post(maris, anna, "save", seen_of(body), health_problems="no", motivation="yes")
    answers = q.answers_of(Assessment.objects.get(pupil=anna))
    assert answers["health-problems"].answer == "yes"
    assert answers["motivation"].answered_by == world.specialist_lizuma
    detail = maris.get(reverse("questionnaire_assessment", args=[answers["motivation"].assessment.public_id]))
    assert "Diagnoze X" not in detail.content.decode()


def test_sensitive_group_shares_are_withheld_from_the_director(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    q.assessment_submit(
        unanswered_confirmed=True,
        actor=ilze,
        assessment=q.assessment_start(actor=ilze, pupil=anna),
        answers={"family-situation": ("yes", "Ārpusģimenes aprūpe"), "motivation": ("yes", "")},
    )
    response = client_for(world.director_lizuma).get(page(anna))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="radio"' not in body  # a director reads, does not fill
    assert "paslēpts" in body
    assert "33.33" not in body  # the family share (1 of 3)
    assert "33,33" not in body
    assert "Atvērt labošanai" not in body
    assert post(client_for(world.director_lizuma), anna, "save", "new", motivation="no").status_code == 404


@pytest.mark.parametrize(
    "persona", ["teacher_tirzas", "teacher_lizuma_8a", "national", "coordinator_gulbene", "nobody"]
)
def test_outside_scope_is_404(world: World, persona: str) -> None:
    anna = world.pupil_lizuma
    draft = q.assessment_start(actor=world.teacher_lizuma, pupil=anna)
    client = client_for(getattr(world, persona))
    assert client.get(page(anna)).status_code == 404
    assert post(client, anna, "save", "new", motivation="yes").status_code == 404
    assert client.get(reverse("questionnaire_assessment", args=[draft.public_id])).status_code == 404
    assert not draft.answers.exists()


def test_the_pupil_profile_links_to_the_questionnaire_for_those_who_fill_it(world: World) -> None:
    anna = world.pupil_lizuma
    profile = reverse("pupil_detail", args=[anna.public_id])
    assert page(anna) in client_for(world.teacher_lizuma).get(profile).content.decode()
    assert "Riska novērtējums" in client_for(world.specialist_lizuma).get(profile).content.decode()
    assert page(anna) not in client_for(world.director_lizuma).get(profile).content.decode()


def test_the_assessment_page_shows_answers_and_authors(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    draft = q.assessment_start(actor=ilze, pupil=anna)
    q.assessment_save(actor=ilze, assessment=draft, answers={"paid-work": ("partly", "Strādā naktīs")})
    body = client_for(world.specialist_lizuma).get(reverse("questionnaire_assessment", args=[draft.public_id]))
    text = body.content.decode()
    assert body.status_code == 200
    assert "Strādā naktīs" in text
    assert "Ilze Ozola" in text
    assert "melnraksts" in text.lower()
    assert AuditEvent.objects.filter(action="people.pupil.viewed", object_id=str(draft.public_id)).exists()


# --- Instruments --------------------------------------------------------------------------------------


def test_the_national_team_lists_instruments_and_makes_a_version(world: World) -> None:
    client = client_for(world.national)
    v1 = q.default_instrument()
    listing = client.get(reverse("questionnaire_instrument_list"))
    assert listing.status_code == 200
    detail_url = reverse("questionnaire_instrument_detail", args=[v1.public_id])
    assert detail_url in listing.content.decode()
    body = client.get(detail_url).content.decode()
    assert "Skolēnam trūkst mācību motivācijas" in body
    data = {"low_from": "10", "medium_from": "30", "high_from": "50"}
    for item in v1.items.all():
        data[f"text_{item.code}"] = item.text
        data[f"weight_{item.code}"] = str(item.weight)
    data["weight_paid-work"] = "2"
    response = client.post(detail_url, data)
    assert response.status_code == 302
    v2 = q.default_instrument()
    assert v2.version == 2
    assert response.url == reverse("questionnaire_instrument_detail", args=[v2.public_id])
    assert v2.items.get(code="paid-work").weight == 2
    assert v2.high_from == 50
    assert v1.items.get(code="paid-work").weight == 1
    # The old version is read-only.
    assert 'name="low_from"' not in client.get(detail_url).content.decode()
    assert client.post(detail_url, data).status_code == 404
    assert Instrument.objects.count() == 2


def test_bad_thresholds_are_explained(world: World) -> None:
    client = client_for(world.national)
    v1 = q.default_instrument()
    data = {"low_from": "40", "medium_from": "30", "high_from": "55"}
    for item in v1.items.all():
        data[f"text_{item.code}"] = item.text
        data[f"weight_{item.code}"] = str(item.weight)
    response = client.post(reverse("questionnaire_instrument_detail", args=[v1.public_id]), data)
    assert response.status_code == 400
    assert Instrument.objects.count() == 1


@pytest.mark.parametrize("persona", ["teacher_lizuma", "coordinator_lizuma", "coordinator_gulbene"])
def test_instrument_pages_are_for_the_national_team(world: World, persona: str) -> None:
    client = client_for(getattr(world, persona))
    assert client.get(reverse("questionnaire_instrument_list")).status_code == 404
    url = reverse("questionnaire_instrument_detail", args=[q.default_instrument().public_id])
    assert client.get(url).status_code == 404


def test_the_national_team_reaches_the_instruments_from_the_menu(world) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.national)
    assert reverse("questionnaire_instrument_list") in client.get(reverse("municipality_list")).content.decode()
    client.force_login(world.teacher_lizuma)
    assert reverse("questionnaire_instrument_list") not in client.get(reverse("home"), follow=True).content.decode()
