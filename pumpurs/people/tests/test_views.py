"""The people pages, told through the personas: who lands where, who sees what, and what is recorded."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import ClassGroup, Institution, Pupil, Role
from pumpurs.people.personal_code import synthetic_code
from pumpurs.people.services import enrolment_end, guardian_add, pupil_create
from pumpurs.world.personas import PASSWORD, World, make_user

PERSONAS = [
    "teacher_lizuma",
    "teacher_lizuma_8a",
    "teacher_tirzas",
    "specialist_lizuma",
    "coordinator_lizuma",
    "director_lizuma",
    "coordinator_tirzas",
    "coordinator_madona_school",
    "coordinator_gulbene",
    "coordinator_madona",
    "national",
    "dpo",
    "admin",
    "nobody",
]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pupil_url(pupil: Pupil) -> str:
    return reverse("pupil_detail", args=[pupil.public_id])


def viewed_events(pupil: Pupil):
    return AuditEvent.objects.filter(action="people.pupil.viewed", pupil_id=pupil.pk)


# --- Home: everyone starts where their work is -------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("teacher_lizuma", lambda w: reverse("class_detail", args=[w.lizuma_7a.public_id])),
        ("coordinator_lizuma", lambda w: reverse("institution_detail", args=[w.lizuma.public_id])),
        ("director_lizuma", lambda w: reverse("institution_detail", args=[w.lizuma.public_id])),
        ("specialist_lizuma", lambda w: reverse("institution_detail", args=[w.lizuma.public_id])),
        ("coordinator_gulbene", lambda w: reverse("municipality_detail", args=[w.gulbene.public_id])),
        ("national", lambda w: reverse("municipality_list")),
        ("dpo", lambda w: reverse("audit_events")),
        ("admin", lambda w: reverse("municipality_list")),
    ],
)
def test_home_links_each_role_to_its_own_place(world: World, persona: str, expected) -> None:
    # Home is "Mani darbi" (people/work.py); the overview a role starts from is linked from it.
    response = client_for(getattr(world, persona)).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["start_url"] == expected(world)
    assert f'href="{expected(world)}"' in response.content.decode()


def test_class_teacher_with_two_classes_starts_at_the_school(world: World) -> None:
    ClassGroup.objects.create(
        institution=world.lizuma, school_year=world.year, grade=9, name="9.b", class_teacher=world.teacher_lizuma
    )
    response = client_for(world.teacher_lizuma).get(reverse("home"))
    assert response.context["start_url"] == reverse("institution_detail", args=[world.lizuma.public_id])


def test_a_user_without_a_role_is_told_so_and_shown_no_data(world: World) -> None:
    response = client_for(world.nobody).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lizuma" not in body
    assert "Kalniņa" not in body
    assert reverse("pupil_search") not in body
    for name in ("municipality_list", "pupil_search", "audit_events"):
        assert client_for(world.nobody).get(reverse(name)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    for url in (reverse("home"), pupil_url(world.pupil_lizuma), reverse("audit_events")):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- Overview pages ------------------------------------------------------------------------------


def test_municipality_coordinator_sees_her_schools_with_counts(world: World) -> None:
    response = client_for(world.coordinator_gulbene).get(reverse("municipality_detail", args=[world.gulbene.public_id]))
    assert response.status_code == 200
    rows = {i.name: (i.class_count, i.pupil_count) for i in response.context["institutions"]}
    assert rows == {"Lizuma pamatskola": (2, 2), "Tirzas pamatskola": (1, 1)}
    assert response.context["summary"].classes == 3
    assert response.context["summary"].pupils == 3


def test_municipality_list_counts_only_what_the_user_may_see(world: World) -> None:
    response = client_for(world.national).get(reverse("municipality_list"))
    rows = {m.name: (m.institution_count, m.class_count, m.pupil_count) for m in response.context["municipalities"]}
    assert rows == {"Gulbenes novads": (2, 3, 3), "Madonas novads": (1, 1, 1)}
    response = client_for(world.coordinator_lizuma).get(reverse("municipality_list"))
    rows = {m.name: (m.institution_count, m.class_count, m.pupil_count) for m in response.context["municipalities"]}
    assert rows == {"Gulbenes novads": (1, 2, 2)}


def test_a_pupil_who_left_is_no_longer_counted(world: World) -> None:
    enrolment = world.pupil_lizuma_8a.enrolments.get()
    enrolment_end(
        actor=world.coordinator_lizuma,
        enrolment=enrolment,
        ends_on=world.today - dt.timedelta(days=1),
        reason="moved_abroad",
    )
    response = client_for(world.coordinator_lizuma).get(reverse("institution_detail", args=[world.lizuma.public_id]))
    assert {c.name: c.pupil_count for c in response.context["classes"]} == {"7.a": 1, "8.a": 0}
    assert response.context["summary"].pupils == 1


def test_class_teacher_sees_only_her_own_classes_of_the_school(world: World) -> None:
    response = client_for(world.teacher_lizuma).get(reverse("institution_detail", args=[world.lizuma.public_id]))
    assert response.status_code == 200
    assert [c.name for c in response.context["classes"]] == ["7.a"]
    body = response.content.decode()
    assert "8.a" not in body
    assert "Ilze Ozola" in body


def test_class_page_lists_current_pupils_with_links(world: World) -> None:
    response = client_for(world.teacher_lizuma).get(reverse("class_detail", args=[world.lizuma_7a.public_id]))
    body = response.content.decode()
    assert "Anna Kalniņa" in body
    assert pupil_url(world.pupil_lizuma) in body
    assert "Šmits" not in body


def test_system_admin_sees_counts_but_no_pupil(world: World) -> None:
    client = client_for(world.admin)
    response = client.get(reverse("class_detail", args=[world.lizuma_7a.public_id]))
    assert response.status_code == 200
    assert "Kalniņa" not in response.content.decode()
    assert client.get(pupil_url(world.pupil_lizuma)).status_code == 404
    assert client.get(reverse("pupil_search")).status_code == 404


# --- Query-count guards: list pages do not grow with the data ------------------------------------


def _grow(world: World) -> None:
    """More schools, classes and pupils in Gulbene, so a per-row query would show."""
    for n in range(3):
        school = Institution.objects.create(code=f"T-EXTRA-{n}", name=f"Papildu skola {n}", municipality=world.gulbene)
        make_user(f"coord.extra{n}", "Extra", "Coordinator", {"role": Role.SCHOOL_COORDINATOR, "institution": school})
        for grade in (5, 6):
            klass = ClassGroup.objects.create(
                institution=school, school_year=world.year, grade=grade, name=f"{grade}.a", class_teacher=None
            )
            for k in range(2):
                pupil_create(
                    actor=world.dpo.__class__.objects.get(username=f"coord.extra{n}"),
                    personal_code=synthetic_code(dt.date(2012, 1, 10 + k), 500 + n * 10 + grade * 2 + k),
                    first_name=f"Skolēns{k}",
                    last_name=f"Papildu{n}",
                    birth_date=dt.date(2012, 1, 10 + k),
                    class_group=klass,
                    starts_on=world.year.starts_on,
                )


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("national", lambda w: reverse("municipality_list")),
        ("coordinator_gulbene", lambda w: reverse("municipality_detail", args=[w.gulbene.public_id])),
        ("national", lambda w: reverse("institution_detail", args=[w.lizuma.public_id])),
        ("coordinator_gulbene", lambda w: reverse("pupil_search") + "?q=a"),
        ("dpo", lambda w: reverse("audit_events")),
    ],
)
def test_list_pages_use_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries, persona: str, url
) -> None:
    client = client_for(getattr(world, persona))
    # The first page of a session also counts "Mani darbi" for the menu (kept a minute): warm it.
    client.get(reverse("home"))
    with django_assert_max_num_queries(10) as small:
        assert client.get(url(world)).status_code == 200
    baseline = len(small.captured_queries)  # read now: the next request clears the log
    _grow(world)
    with django_assert_max_num_queries(baseline):
        assert client.get(url(world)).status_code == 200


def test_class_page_query_count_does_not_grow_with_pupils(world: World, django_assert_max_num_queries) -> None:
    client = client_for(world.coordinator_lizuma)
    url = reverse("class_detail", args=[world.lizuma_7a.public_id])
    with django_assert_max_num_queries(15) as small:  # 5 of them: the one trail event naming the pupils shown
        client.get(url)
    baseline = len(small.captured_queries)  # read now: the next request clears the log
    for k in range(5):
        pupil_create(
            actor=world.coordinator_lizuma,
            personal_code=synthetic_code(dt.date(2013, 2, 1 + k), 700 + k),
            first_name="Jauns",
            last_name=f"Skolēns{k}",
            birth_date=dt.date(2013, 2, 1 + k),
            class_group=world.lizuma_7a,
            starts_on=world.year.starts_on,
        )
    with django_assert_max_num_queries(baseline):
        assert "Skolēns4" in client.get(url).content.decode()


# --- The pupil's record ---------------------------------------------------------------------------


def test_every_opening_of_a_pupil_record_leaves_one_view_event(world: World) -> None:
    client = client_for(world.teacher_lizuma)
    for expected in (1, 2):
        assert client.get(pupil_url(world.pupil_lizuma)).status_code == 200
        assert viewed_events(world.pupil_lizuma).count() == expected
    event = viewed_events(world.pupil_lizuma).first()
    assert event.actor == world.teacher_lizuma
    assert event.actor_username == "ilze.ozola"
    assert event.object_id == str(world.pupil_lizuma.public_id)


def test_an_out_of_scope_pupil_is_404_and_leaves_no_view_event(world: World) -> None:
    assert client_for(world.teacher_lizuma).get(pupil_url(world.pupil_tirzas)).status_code == 404
    assert not viewed_events(world.pupil_tirzas).exists()


@pytest.fixture
def guardian(world: World):
    return guardian_add(
        actor=world.coordinator_lizuma,
        pupil=world.pupil_lizuma,
        first_name="Inga",
        last_name="Kalniņa",
        relation="mother",
        phone="+371 20000001",
        email="inga@example.lv",
    )


def test_school_staff_see_the_code_and_guardian_contacts(world: World, guardian) -> None:
    body = client_for(world.teacher_lizuma).get(pupil_url(world.pupil_lizuma)).content.decode()
    code = world.pupil_lizuma.personal_code
    assert f"{code[:6]}-{code[6:]}" in body
    assert "+371 20000001" in body
    assert "Inga Kalniņa" in body


def test_national_programme_sees_names_but_not_the_code_or_contacts(world: World, guardian) -> None:
    body = client_for(world.national).get(pupil_url(world.pupil_lizuma)).content.decode()
    code = world.pupil_lizuma.personal_code
    assert "Anna Kalniņa" in body
    assert code[6:] not in body
    assert code[:6] not in body
    assert f"{code[:2]}****-*****" in body
    assert "Inga Kalniņa" in body
    assert "+371 20000001" not in body
    assert "inga@example.lv" not in body


def test_data_protection_officer_sees_the_code(world: World) -> None:
    body = client_for(world.dpo).get(pupil_url(world.pupil_lizuma)).content.decode()
    code = world.pupil_lizuma.personal_code
    assert f"{code[:6]}-{code[6:]}" in body


def test_enrolment_history_shows_how_a_class_ended(world: World) -> None:
    from pumpurs.people.services import pupil_enrol

    pupil_enrol(
        actor=world.coordinator_lizuma,
        pupil=world.pupil_lizuma,
        class_group=world.lizuma_8a,
        starts_on=world.year.starts_on + dt.timedelta(days=30),
    )
    client = client_for(world.coordinator_lizuma)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(pupil_url(world.pupil_lizuma)).content.decode()
    assert "moved to another class" in body
    assert "still enrolled" in body


# --- Search ------------------------------------------------------------------------------------------


def search(client: Client, q: str):
    return client.get(reverse("pupil_search"), {"q": q})


def test_name_search_stays_within_scope(world: World) -> None:
    teacher = client_for(world.teacher_lizuma)
    assert [p.last_name for p in search(teacher, "Anna").context["results"]] == ["Kalniņa"]
    assert search(teacher, "Jānis").context["results"] == []
    assert search(teacher, "Bērziņš").context["results"] == []
    coordinator = client_for(world.coordinator_gulbene)
    found = {p.last_name for p in search(coordinator, "n").context["results"]}
    assert found == {"Kalniņa", "Bērziņš"}
    assert [p.class_name for p in search(coordinator, "Bērziņš").context["results"]] == ["7.a"]


def code_search(client: Client, code: str):
    return client.post(reverse("pupil_search"), {"personal_code": code})


def test_code_search_opens_a_visible_pupil_without_the_code_in_the_url(world: World) -> None:
    code = world.pupil_lizuma.personal_code
    response = code_search(client_for(world.teacher_lizuma), f"{code[:6]}-{code[6:]}")
    assert response.status_code == 302
    assert response["Location"] == pupil_url(world.pupil_lizuma)
    assert code not in response["Location"]
    assert code[:6] not in response["Location"]
    event = AuditEvent.objects.get(action="people.pupil.searched_by_code")
    assert event.pupil_id == world.pupil_lizuma.pk
    assert event.data == {"outcome": "found"}
    assert code not in str(event.data)


def test_out_of_scope_and_unknown_codes_get_the_same_answer(world: World) -> None:
    client = client_for(world.teacher_lizuma)
    unknown = synthetic_code(dt.date(2011, 5, 5), 999)
    out_of_scope = code_search(client, world.pupil_tirzas.personal_code)
    missing = code_search(client, unknown)
    assert out_of_scope.status_code == missing.status_code == 200

    def answer(response) -> str:
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        return body.replace(world.pupil_tirzas.personal_code, "CODE").replace(unknown, "CODE")

    assert answer(out_of_scope) == answer(missing)
    assert "Bērziņš" not in out_of_scope.content.decode()
    events = AuditEvent.objects.filter(action="people.pupil.searched_by_code")
    assert sorted(e.data["outcome"] for e in events) == ["not_found", "not_visible"]
    for event in events:
        assert world.pupil_tirzas.personal_code not in str(event.data)
        assert unknown not in str(event.data)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("12345", "11 digits"),
        ("161175-39997", "7th digit"),
        ("311175-19997", "real birth date"),
        ("161175-19996", "check digit"),
    ],
)
def test_a_malformed_code_is_refused_saying_which_part_is_wrong(world: World, code: str, fragment: str) -> None:
    client = client_for(world.coordinator_lizuma)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = code_search(client, code)
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert "No pupil found" not in response.content.decode()
    assert AuditEvent.objects.get(action="people.pupil.searched_by_code").data == {"outcome": "malformed"}


def test_code_search_is_not_offered_to_the_national_programme(world: World) -> None:
    client = client_for(world.national)
    assert 'name="personal_code"' not in client.get(reverse("pupil_search")).content.decode()
    response = code_search(client, world.pupil_lizuma.personal_code)
    assert response.status_code == 200
    assert "Kalniņa" not in response.content.decode()


def test_search_by_code_is_post_only_in_the_page(world: World) -> None:
    body = client_for(world.teacher_lizuma).get(reverse("pupil_search")).content.decode()
    form = body[body.index('name="personal_code"') - 800 : body.index('name="personal_code"')]
    assert 'method="post"' in form


# --- Header and navigation ---------------------------------------------------------------------


def test_header_shows_name_roles_and_only_permitted_links(world: World) -> None:
    client = client_for(world.teacher_lizuma)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("class_detail", args=[world.lizuma_7a.public_id])).content.decode()
    assert "Ilze Ozola" in body
    assert "class teacher — Lizuma pamatskola" in body
    assert reverse("pupil_search") in body
    assert reverse("audit_events") not in body
    assert f'action="{reverse("logout")}"' in body
    dpo_body = client_for(world.dpo).get(reverse("municipality_list")).content.decode()
    assert reverse("audit_events") in dpo_body


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_can_walk_from_home(world: World, persona: str) -> None:
    client = client_for(getattr(world, persona))
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200


def test_persona_password_is_the_shared_one() -> None:
    assert PASSWORD


# --- Signing in and out ------------------------------------------------------------------------------


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_can_sign_in_and_it_is_recorded(world: World, persona: str) -> None:
    user = getattr(world, persona)
    response = sign_in(Client(), user.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    event = AuditEvent.objects.get(action="auth.login.succeeded")
    assert event.actor == user


def test_a_wrong_password_is_refused_and_recorded_without_the_password(world: World) -> None:
    response = sign_in(Client(), "ilze.ozola", "not-her-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session
    event = AuditEvent.objects.get(action="auth.login.failed")
    assert event.data == {"username": "ilze.ozola"}
    assert event.actor is None
    assert event.ip_address == "127.0.0.1"
    assert "not-her-password" not in str(event.data)


def test_a_garbled_forwarded_address_is_not_recorded(world: World, settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    sign_in(Client(), "guess", "wrong", HTTP_X_FORWARDED_FOR="not-an-address")
    assert AuditEvent.objects.get(action="auth.login.failed").ip_address is None


def test_sign_out_is_post_only_and_recorded(world: World) -> None:
    client = client_for(world.teacher_lizuma)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200  # still signed in
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert AuditEvent.objects.filter(action="auth.logout", actor=world.teacher_lizuma).count() == 1
    assert client.get(reverse("class_detail", args=[world.lizuma_7a.public_id]))["Location"].startswith(
        reverse("login")
    )


def test_language_can_be_switched_before_signing_in(world: World) -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "Sign in" in client.get(reverse("login")).content.decode()
