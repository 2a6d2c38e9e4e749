"""Delivery evidence and scanned consents are written when their row commits (decision 0042, the
mechanism of decision 0027 in ``core.uploads``): a refused or rolled-back write leaves no file on
disk; an accepted one writes the file under the name its row holds, and the download serves it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.support import guards
from pumpurs.support.cases import consent_record
from pumpurs.support.delivery import compensation_record, consultation_record
from pumpurs.support.models import Consent, Delivery, Plan
from pumpurs.support.testing import active_plan, guardian_for, measure, open_case
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\nevidence"


def _png(name: str = "kvits.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _plan(world: World) -> Plan:
    return active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )


def _trip(world: World, plan: Plan, evidence: Any) -> Delivery:
    return compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=timezone.localdate(),
        ends_on=None,
        quantity=Decimal(2),
        evidence=evidence,
    )


def _files_under(folder: str) -> list[str]:
    """Every file stored below ``folder`` (the month folders of an upload_to)."""
    found: list[str] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        if not default_storage.exists(current):
            continue
        directories, files = default_storage.listdir(current)
        found += [f"{current}/{name}" for name in files]
        pending += [f"{current}/{name}" for name in directories]
    return found


def test_a_refused_delivery_with_a_file_leaves_no_file(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _plan(world)
    before = _files_under("deliveries")

    # Refused after the row was written (a hook above support refuses, as finance's rollup may).
    def refuse(_lines: list[int]) -> None:
        raise ValidationError("refused after the write")

    monkeypatch.setattr(guards, "_deliveries_changed", [refuse])
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        _trip(world, plan, _png())
    assert callbacks == []
    assert not Delivery.objects.exists()
    assert _files_under("deliveries") == before
    monkeypatch.undo()

    # Accepted by the service, then the caller's transaction fails: still no file.
    names: list[str] = []

    def record_then_fail() -> None:
        with transaction.atomic():
            names.append(_trip(world, plan, _png("atgrieztais.png")).evidence.name or "")
            raise RuntimeError("the caller's transaction fails")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        record_then_fail()
    assert callbacks == []
    assert names[0].endswith("/atgrieztais.png")
    assert not default_storage.exists(names[0])
    assert _files_under("deliveries") == before
    assert not Delivery.objects.exists()


def test_an_accepted_delivery_writes_its_file_on_commit(world: World, django_capture_on_commit_callbacks: Any) -> None:
    plan = _plan(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery = _trip(world, plan, _png())
        assert not default_storage.exists(delivery.evidence.name)  # not before the commit
    assert len(callbacks) >= 1
    for callback in callbacks:
        callback()
    delivery.refresh_from_db()
    assert delivery.evidence.name.endswith(f"{delivery.public_id}/kvits.png")  # its own folder: never renamed
    with delivery.evidence.open("rb") as handle:
        assert handle.read() == PNG
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.director_lizuma)
    download = client.get(reverse("support_delivery_evidence", args=[delivery.public_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG  # type: ignore[attr-defined]

    with django_capture_on_commit_callbacks(execute=True):
        consultation = consultation_record(
            actor=world.specialist_lizuma,
            plan=plan,
            measure=measure("consult-psychologist"),
            held_on=timezone.localdate(),
            minutes=45,
            specialist=world.specialist_lizuma,
            mode="in_person",
            topic="Motivācija",
            evidence=_png("sarunas-piezimes.png"),
        )
    assert default_storage.exists(consultation.evidence.name)


def test_a_consent_scan_is_written_only_when_its_row_commits(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case(world.teacher_lizuma, world.pupil_lizuma, consent=False)
    guardian = guardian_for(world.pupil_lizuma)
    scan = b"%PDF-1.4 iesniegums"
    values: dict[str, Any] = {
        "actor": world.teacher_lizuma,
        "case": case,
        "guardian": guardian,
        "given_on": timezone.localdate(),
        "method": "paper",
    }
    names: list[str] = []

    def record_then_fail() -> None:
        with transaction.atomic():
            document = SimpleUploadedFile("atgrieztais.pdf", scan, content_type="application/pdf")
            names.append(consent_record(**values, document=document).document.name or "")
            raise RuntimeError("the caller's transaction fails")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        record_then_fail()
    assert callbacks == []
    assert not default_storage.exists(names[0])
    assert not Consent.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        document = SimpleUploadedFile("iesniegums.pdf", scan, content_type="application/pdf")
        consent = consent_record(**values, document=document)
    consent.refresh_from_db()
    assert consent.document.name.endswith(f"{consent.public_id}/iesniegums.pdf")
    with consent.document.open("rb") as handle:
        assert handle.read() == scan
