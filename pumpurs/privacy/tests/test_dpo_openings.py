"""Four eyes on the data protection officer's own break-the-glass openings (decision 0046).

Edgars (DPO) reviews everyone else's openings; his own are reviewed by the national programme
(Perm.REVIEW_DPO_OPENINGS), never by himself: he has no page for them, the service refuses him,
and a national programme person who is also a DPO does not see or review their own opening."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from pumpurs.audit.chain import chain_verify
from pumpurs.audit.models import AuditEvent
from pumpurs.people.listing import LISTED
from pumpurs.people.models import EmergencyAccess, Role, RoleGrant
from pumpurs.privacy.models import OpeningReview
from pumpurs.privacy.openings import REVIEWED, dpo_openings_for_review, opening_review
from pumpurs.privacy.tests.test_emergency_access import open_for
from pumpurs.privacy.tests.test_subject_access import client_for
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db
REASON = "Vecāku sūdzība par datu apstrādi, lieta 7"


@pytest.fixture
def dpo_opened(world: World) -> EmergencyAccess:
    assert open_for(world, "dpo", world.pupil_lizuma, reason=REASON).status_code == 302
    open_for(world, "national", world.pupil_tirzas, reason="Ministrijas pieprasījums par sūdzību")
    return EmergencyAccess.objects.get(user=world.dpo)


def test_the_national_programme_reviews_the_dpos_opening_and_it_is_audited(world: World, dpo_opened) -> None:
    reviewer = client_for(world.national)
    page = reviewer.get(reverse("dpo_openings"))
    assert page.status_code == 200
    assert [a for a, _token in page.context["rows"]] == [dpo_opened], "the DPO's openings only, not the team's own"
    assert REASON in page.content.decode()
    listed = AuditEvent.objects.filter(action=LISTED, actor=world.national).latest("seq")
    assert listed.data["pupils"] == [world.pupil_lizuma.pk]
    (_opening, token) = page.context["rows"][0]

    answer = reviewer.post(reverse("dpo_openings"), {"opening": token, "note": "Pamatojums atbilst"})

    assert answer.status_code == 302
    review = OpeningReview.objects.get(opening=dpo_opened)
    assert (review.reviewer, review.note) == (world.national, "Pamatojums atbilst")
    event = AuditEvent.objects.get(action=REVIEWED)
    assert (event.actor, event.pupil_id) == (world.national, world.pupil_lizuma.pk)
    assert event.data["opened_by"] == world.dpo.username
    assert "Pamatojums atbilst" not in reviewer.post(reverse("dpo_openings"), {"opening": token}).url
    assert OpeningReview.objects.count() == 1, "reviewed once; the second post changed nothing"
    assert chain_verify().intact


def test_the_dpo_cannot_review_her_own_opening(world: World, dpo_opened) -> None:
    dpo = client_for(world.dpo)
    assert dpo.get(reverse("dpo_openings")).status_code == 404
    token = client_for(world.national).get(reverse("dpo_openings")).context["rows"][0][1]
    assert dpo.post(reverse("dpo_openings"), {"opening": token}).status_code == 404
    with pytest.raises(PermissionDenied):
        opening_review(actor=world.dpo, opening=dpo_opened)
    assert not OpeningReview.objects.exists()
    assert not AuditEvent.objects.filter(action=REVIEWED).exists()


def test_someone_holding_both_roles_never_reviews_their_own_opening(world: World, dpo_opened) -> None:
    RoleGrant.objects.create(user=world.national, role=Role.DATA_PROTECTION_OFFICER)
    world.national.refresh_from_db()
    own = EmergencyAccess.objects.get(user=world.national)
    assert own not in dpo_openings_for_review(world.national)
    with pytest.raises(PermissionDenied):
        opening_review(actor=world.national, opening=own)
    assert not OpeningReview.objects.exists()


def test_others_get_404_and_cannot_review(world: World, dpo_opened) -> None:
    token = client_for(world.national).get(reverse("dpo_openings")).context["rows"][0][1]
    for persona in ("coordinator_gulbene", "teacher_lizuma", "director_lizuma", "admin"):
        client = client_for(getattr(world, persona))
        assert client.get(reverse("dpo_openings")).status_code == 404
        assert client.post(reverse("dpo_openings"), {"opening": token}).status_code == 404
        with pytest.raises(PermissionDenied):
            opening_review(actor=getattr(world, persona), opening=dpo_opened)
    # A forged or altered token names nothing.
    assert client_for(world.national).post(reverse("dpo_openings"), {"opening": token + "x"}).status_code == 404
    assert not OpeningReview.objects.exists()


def test_a_note_too_long_is_refused_and_writes_nothing(world: World, dpo_opened) -> None:
    with pytest.raises(ValidationError):
        opening_review(actor=world.national, opening=dpo_opened, note="x" * 2001)
    assert not OpeningReview.objects.exists()
    assert not AuditEvent.objects.filter(action=REVIEWED).exists()


def test_the_page_speaks_latvian(world: World, dpo_opened) -> None:
    from django.test import Client

    client = Client()
    client.force_login(world.national)
    text = client.get(reverse("dpo_openings")).content.decode()
    assert "Datu aizsardzības speciālista ārkārtas piekļuves" in text
    assert "Atzīmēt kā pārskatītu" in text
