"""Cases, the support team, the contact log and consent: Ilze (Lizuma 7.a) opens Anna's case from
an accepted flag, a questionnaire or by hand; Dace (Tirzas) cannot; the team is Lizuma staff; the
family's consent is given by Anna's guardian (she is 13) and can be withdrawn."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Pupil, Role
from pumpurs.risk.models import FlagStatus
from pumpurs.risk.questionnaire import assessment_start, assessment_submit
from pumpurs.support.cases import (
    case_close,
    case_open,
    consent_record,
    consent_withdraw,
    contact_log,
    team_member_add,
    team_member_remove,
)
from pumpurs.support.consent import consent_active
from pumpurs.support.models import Case, ContactEntry, PlanStatus, TeamMember
from pumpurs.support.testing import draft_plan, guardian_for, open_case
from pumpurs.support.tests import stories
from pumpurs.support.tests.stories import ONE_DAY, accepted_flag, semester_now, today
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def test_a_case_opens_from_an_accepted_flag_only(world: World) -> None:
    period = semester_now()
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    flag = accepted_flag(anna, period, status=FlagStatus.OPEN)
    with pytest.raises(ValidationError, match="Accept the flag"):
        case_open(actor=ilze, pupil=anna, flag=flag)
    with pytest.raises(ValidationError, match="another pupil"):
        case_open(actor=world.coordinator_lizuma, pupil=world.pupil_lizuma_8a, flag=flag)
    flag.status = FlagStatus.ACCEPTED
    flag.save(update_fields=["status"])

    case = case_open(actor=ilze, pupil=anna, flag=flag)

    assert (case.origin, case.origin_flag, case.institution, case.status) == ("flag", flag, world.lizuma, "open")
    lead = case.team.get()
    assert (lead.user, lead.role) == (ilze, TeamMember.Role.LEAD)
    assert AuditEvent.objects.filter(action="support.case.opened", pupil_id=anna.pk).count() == 1


def test_a_case_opens_from_a_submitted_questionnaire(world: World) -> None:
    semester_now()
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    draft = assessment_start(actor=ilze, pupil=anna)
    with pytest.raises(ValidationError, match="submitted questionnaire"):
        case_open(actor=ilze, pupil=anna, assessment=draft)
    done = assessment_submit(
        unanswered_confirmed=True, actor=ilze, assessment=draft, answers={"motivation": ("yes", "")}
    )
    case = case_open(actor=ilze, pupil=anna, assessment=done)
    assert (case.origin, case.origin_assessment) == ("assessment", done)


def test_by_hand_a_reason_is_required_and_one_case_is_open_per_pupil(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    with pytest.raises(ValidationError) as refused:
        case_open(actor=ilze, pupil=anna, reason="  ")
    assert "reason" in refused.value.message_dict
    case = case_open(actor=ilze, pupil=anna, reason=" Bieži kavē ")
    assert (case.origin, case.reason) == ("manual", "Bieži kavē")
    with pytest.raises(ValidationError, match="already has an open case"):
        case_open(actor=world.coordinator_lizuma, pupil=anna, reason="Vēlreiz")
    case_close(actor=ilze, case=case, reason="risk_reduced")
    again = case_open(actor=ilze, pupil=anna, reason="Atkal kavē")  # a closed case does not block a new one
    assert Case.objects.filter(pupil=anna).count() == 2
    assert again.status == "open"


@pytest.mark.parametrize(
    ("persona", "pupil"),
    [
        ("teacher_tirzas", "pupil_lizuma"),
        ("teacher_lizuma", "pupil_lizuma_8a"),  # another class of the same school
        ("director_lizuma", "pupil_lizuma"),  # approves plans, does not keep cases
        ("coordinator_gulbene", "pupil_lizuma"),
        ("national", "pupil_lizuma"),
        ("nobody", "pupil_lizuma"),
    ],
)
def test_who_may_not_open_a_case(world: World, persona: str, pupil: str) -> None:
    with pytest.raises(PermissionDenied):
        case_open(actor=getattr(world, persona), pupil=getattr(world, pupil), reason="Kavē")
    assert not Case.objects.exists()


def test_closing_needs_a_reason_and_closes_the_draft_plans(world: World) -> None:
    semester_now()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = draft_plan(world.teacher_lizuma, case)
    with pytest.raises(ValidationError):
        case_close(actor=world.teacher_lizuma, case=case, reason="bored")
    case_close(actor=world.teacher_lizuma, case=case, reason="moved")
    case.refresh_from_db()
    plan.refresh_from_db()
    assert (case.status, case.close_reason, plan.status) == ("closed", "moved", PlanStatus.CLOSED)
    with pytest.raises(ValidationError, match="already closed"):
        case_close(actor=world.teacher_lizuma, case=case, reason="moved")


# --- The team --------------------------------------------------------------------------------------


def test_the_team_is_staff_of_the_pupils_school(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    member = team_member_add(actor=world.teacher_lizuma, case=case, user=world.specialist_lizuma, role="specialist")
    team_member_add(actor=world.teacher_lizuma, case=case, user=world.director_lizuma, role="other")
    for outsider in (world.teacher_tirzas, world.coordinator_gulbene, world.nobody):
        with pytest.raises(ValidationError, match="Only staff of the pupil's school"):
            team_member_add(actor=world.teacher_lizuma, case=case, user=outsider, role="other")
    with pytest.raises(ValidationError, match="already in the team"):
        team_member_add(actor=world.teacher_lizuma, case=case, user=world.specialist_lizuma, role="specialist")
    with pytest.raises(ValidationError):
        team_member_add(actor=world.teacher_lizuma, case=case, user=world.coordinator_lizuma, role="boss")
    with pytest.raises(PermissionDenied):
        team_member_add(actor=world.teacher_tirzas, case=case, user=world.coordinator_lizuma, role="other")

    team_member_remove(actor=world.coordinator_lizuma, member=member)
    with pytest.raises(ValidationError, match="already left"):
        team_member_remove(actor=world.coordinator_lizuma, member=member)
    assert member.removed_at is not None
    assert case.team.filter(removed_at__isnull=True).count() == 2  # the lead and the director
    back = team_member_add(actor=world.teacher_lizuma, case=case, user=world.specialist_lizuma, role="specialist")
    assert back.pk != member.pk  # history keeps the earlier membership


# --- The contact log -------------------------------------------------------------------------------


def test_the_contact_log(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    mother = guardian_for(world.pupil_lizuma)
    other_mother = guardian_for(world.pupil_tirzas)
    now = timezone.now()
    entry = contact_log(
        actor=world.teacher_lizuma,
        case=case,
        happened_at=now - dt.timedelta(hours=2),
        channel="phone",
        summary=" Runājām par kavējumiem ",
        guardian=mother,
    )
    assert (entry.summary, entry.sensitive, entry.recorded_by) == (
        "Runājām par kavējumiem",
        False,
        world.teacher_lizuma,
    )
    event = AuditEvent.objects.get(action="support.contact.logged")
    assert "Runājām" not in str(event.data)  # the note itself stays out of the trail

    with pytest.raises(ValidationError, match="in the future"):
        contact_log(
            actor=world.teacher_lizuma, case=case, happened_at=now + dt.timedelta(hours=1), channel="phone", summary="x"
        )
    with pytest.raises(ValidationError, match="this pupil's guardians"):
        contact_log(
            actor=world.teacher_lizuma, case=case, happened_at=now, channel="phone", summary="x", guardian=other_mother
        )
    with pytest.raises(ValidationError):
        contact_log(actor=world.teacher_lizuma, case=case, happened_at=now, channel="pigeon", summary="x")
    with pytest.raises(ValidationError):
        contact_log(actor=world.teacher_lizuma, case=case, happened_at=now, channel="phone", summary=" ")
    assert ContactEntry.objects.count() == 1


def test_a_sensitive_note_needs_the_sensitive_data_permission(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    team_member_add(actor=world.teacher_lizuma, case=case, user=world.specialist_lizuma, role="specialist")
    entry = contact_log(
        actor=world.specialist_lizuma,
        case=case,
        happened_at=timezone.now(),
        channel="home_visit",
        summary="Ģimenes situācija",
        sensitive=True,
    )
    assert entry.sensitive
    # Every role that keeps cases reads sensitive notes today; were specialists to stop reading
    # them, they could still log a contact, but not a sensitive one.
    specialist = access.ROLE_PERMISSIONS[Role.SPECIALIST]
    monkeypatch.setitem(access.ROLE_PERMISSIONS, Role.SPECIALIST, specialist - {Perm.VIEW_SENSITIVE})
    access.forget_cached_grants(world.specialist_lizuma)
    with pytest.raises(PermissionDenied):
        contact_log(
            actor=world.specialist_lizuma,
            case=case,
            happened_at=timezone.now(),
            channel="phone",
            summary="Veselība",
            sensitive=True,
        )
    contact_log(actor=world.specialist_lizuma, case=case, happened_at=timezone.now(), channel="phone", summary="Zvans")
    assert list(case.contacts.values_list("sensitive", flat=True)) == [False, True]


# --- Consent ---------------------------------------------------------------------------------------


def test_consent_by_a_guardian_of_this_pupil_on_a_past_day(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    mother = guardian_for(world.pupil_lizuma)
    with pytest.raises(ValidationError, match="this pupil's guardians"):
        consent_record(
            actor=world.teacher_lizuma,
            case=case,
            guardian=guardian_for(world.pupil_tirzas),
            given_on=today(),
            method="paper",
        )
    with pytest.raises(ValidationError, match="under 18"):
        consent_record(actor=world.teacher_lizuma, case=case, by_pupil=True, given_on=today(), method="paper")
    with pytest.raises(ValidationError, match="Say who gave consent"):
        consent_record(actor=world.teacher_lizuma, case=case, given_on=today(), method="paper")
    with pytest.raises(ValidationError, match="Say who gave consent"):
        consent_record(
            actor=world.teacher_lizuma, case=case, guardian=mother, by_pupil=True, given_on=today(), method="paper"
        )
    with pytest.raises(ValidationError, match="in the future"):
        consent_record(
            actor=world.teacher_lizuma, case=case, guardian=mother, given_on=today() + ONE_DAY, method="paper"
        )
    with pytest.raises(ValidationError):
        consent_record(actor=world.teacher_lizuma, case=case, guardian=mother, given_on=today(), method="fax")
    with pytest.raises(PermissionDenied):
        consent_record(actor=world.teacher_tirzas, case=case, guardian=mother, given_on=today(), method="paper")
    assert consent_active(case, today()) is None

    consent = consent_record(
        actor=world.teacher_lizuma, case=case, guardian=mother, given_on=today() - ONE_DAY, method="e_signature"
    )
    assert consent_active(case, today()) == consent
    assert consent_active(case, today() - 2 * ONE_DAY) is None


def test_an_adult_pupil_consents_for_themselves(world: World) -> None:
    anna = world.pupil_lizuma
    Pupil.objects.filter(pk=anna.pk).update(birth_date=today().replace(year=today().year - 19))
    anna.refresh_from_db()
    case = case_open(actor=world.teacher_lizuma, pupil=anna, reason="Kavē")
    consent = consent_record(actor=world.teacher_lizuma, case=case, by_pupil=True, given_on=today(), method="in_person")
    assert consent.by_pupil
    assert consent.guardian is None


def test_withdrawal_stops_consent_from_its_day(world: World) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    mother = guardian_for(world.pupil_lizuma)
    consent = consent_record(
        actor=world.teacher_lizuma, case=case, guardian=mother, given_on=today() - 3 * ONE_DAY, method="paper"
    )
    with pytest.raises(ValidationError, match="before consent was given"):
        consent_withdraw(actor=world.teacher_lizuma, consent=consent, withdrawn_on=today() - 4 * ONE_DAY)
    with pytest.raises(ValidationError, match="in the future"):
        consent_withdraw(actor=world.teacher_lizuma, consent=consent, withdrawn_on=today() + ONE_DAY)
    with pytest.raises(PermissionDenied):
        consent_withdraw(actor=world.teacher_tirzas, consent=consent, withdrawn_on=today())

    consent_withdraw(actor=world.teacher_lizuma, consent=consent, withdrawn_on=today() - ONE_DAY, note=" Pārceļas ")

    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawal_note) == (today() - ONE_DAY, "Pārceļas")
    assert consent_active(case, today() - 2 * ONE_DAY) == consent
    assert consent_active(case, today() - ONE_DAY) is None
    with pytest.raises(ValidationError, match="already withdrawn"):
        consent_withdraw(actor=world.teacher_lizuma, consent=consent, withdrawn_on=today())
    renewed = consent_record(actor=world.teacher_lizuma, case=case, guardian=mother, given_on=today(), method="paper")
    assert consent_active(case, today()) == renewed
