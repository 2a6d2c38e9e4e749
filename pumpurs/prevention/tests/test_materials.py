"""The materials library (issue 16): the national team adds a guide as a PDF, files are checked
like evidence files (a renamed file or one too big writes nothing), a new version becomes current
with the old one kept, and every signed-in user — but nobody signed out — reads and downloads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import User
from pumpurs.prevention.materials import material_create, material_version_add
from pumpurs.prevention.models import Material, MaterialVersion
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _pdf(name: str = "celvedis.pdf", body: bytes = b"%PDF-1.4 guide") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


FORM = {
    "title": "Ceļvedis: sarunas ar ģimeni",
    "description": "Kā runāt ar vecākiem par kavējumiem",
    "language": "lv",
    "audience": "teachers",
    "topics": ["family", "learning"],
}


def test_a_material_its_versions_and_who_reads_it(world: World, django_capture_on_commit_callbacks: Any) -> None:
    national = _client(world.national)
    refused = national.post(reverse("materials:material_create"), FORM | {"file": _pdf("macro.pdf", b"PK\x03\x04x")})
    assert refused.status_code == 400
    assert "The file&#x27;s content is not a PDF file." in refused.content.decode()
    assert not Material.objects.exists()
    assert national.post(reverse("materials:material_create"), FORM).status_code == 400  # neither file nor link

    with django_capture_on_commit_callbacks(execute=True):  # the file is written once the row commits
        response = national.post(reverse("materials:material_create"), FORM | {"file": _pdf()})
    material = Material.objects.get()
    assert response.url == reverse("materials:material", args=[material.public_id])
    assert sorted(material.topics.values_list("group", flat=True)) == ["family", "learning"]
    national.post(
        reverse("materials:version_add", args=[material.public_id]),
        {"url": "https://www.pumpurs.lv/celvedis", "note": "Papildināta nodaļa par attālinātām mācībām"},
    )
    assert list(material.versions.values_list("number", flat=True)) == [2, 1]
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="prevention.material").order_by("pk")] == [
        "prevention.material.created",
        "prevention.material.version_added",
    ]

    # Ilze, a class teacher, reads the library and downloads version 1; filters find it by topic.
    ilze = _client(world.teacher_lizuma)
    library = ilze.get(reverse("materials:library"), {"topic": "family"}).content.decode()
    assert "Ceļvedis" in library
    assert "Ceļvedis" not in ilze.get(reverse("materials:library"), {"topic": "economic"}).content.decode()
    first = MaterialVersion.objects.get(number=1)
    download = ilze.get(reverse("materials:version_file", args=[first.public_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 guide"  # type: ignore[attr-defined]
    assert (
        ilze.post(
            reverse("materials:version_add", args=[material.public_id]), {"url": "https://x.lv", "note": "x"}
        ).status_code
        == 403
    )
    assert (
        _client(world.coordinator_gulbene).get(reverse("materials:material", args=[material.public_id])).status_code
        == 200
    )
    # Signed out: to the sign-in page, never the file.
    anonymous = Client().get(reverse("materials:version_file", args=[first.public_id]))
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))


def test_a_file_over_the_limit_writes_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pumpurs.core.uploads.MAX_UPLOAD_BYTES", 10)
    response = _client(world.national).post(reverse("materials:material_create"), FORM | {"file": _pdf()})
    assert response.status_code == 400
    assert "the limit is 10 MB" in response.content.decode()
    assert not Material.objects.exists()
    assert not MaterialVersion.objects.exists()


def test_a_municipality_adds_its_own_materials_only(world: World) -> None:
    madona = _client(world.coordinator_madona)
    response = madona.post(
        reverse("materials:material_create"), FORM | {"municipality": world.gulbene.pk, "url": "https://x.lv"}
    )
    assert response.status_code == 400  # Gulbene is not among her choices
    madona.post(reverse("materials:material_create"), FORM | {"municipality": world.madona.pk, "url": "https://x.lv"})
    material = Material.objects.get()
    assert material.municipality == world.madona
    gulbene = _client(world.coordinator_gulbene)
    assert (
        gulbene.post(
            reverse("materials:version_add", args=[material.public_id]), {"url": "https://y.lv", "note": "y"}
        ).status_code
        == 403
    )
    assert _client(world.teacher_lizuma).get(reverse("materials:material_create")).status_code == 404


def _stored(version: MaterialVersion) -> bool:
    return version.file.storage.exists(version.file.name or "")


def test_a_file_is_written_only_when_its_row_commits(world: World, django_capture_on_commit_callbacks: Any) -> None:
    """A version's file written before its transaction commits would stay on disk, unreferenced, when
    the transaction rolls back: the bytes are written on commit, under the name the row holds."""
    now = timezone.now()
    values: dict[str, Any] = FORM | {"url": "", "municipality": None, "now": now, "actor": world.national}

    # Rolled back after the service wrote its rows (a caller's transaction failing later): no file.
    names: list[str] = []

    def create_then_fail() -> None:
        with transaction.atomic():
            names.append(material_create(**values, file=_pdf("atgrieztais.pdf")).versions.get().file.name or "")
            raise RuntimeError("the caller's transaction fails")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        create_then_fail()
    assert callbacks == []  # a rolled-back transaction's writes never run
    assert names[0].endswith("/atgrieztais.pdf")
    assert not default_storage.exists(names[0])
    assert not Material.objects.exists()

    # A refusal inside the service (the second version has no note): nothing is written either.
    with django_capture_on_commit_callbacks(execute=True):
        material = material_create(**values, file=_pdf())
    first = material.versions.get()
    assert _stored(first)
    with first.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 guide"
    assert first.file.name.endswith(f"{first.public_id}/celvedis.pdf")  # its own folder: never renamed
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        material_version_add(actor=world.national, material=material, file=_pdf(), url="", note=" ", now=now)
    assert callbacks == []
    assert material.versions.count() == 1

    # Committed: the file is there under the row's name, and the download serves it.
    with django_capture_on_commit_callbacks(execute=True):
        second = material_version_add(
            actor=world.national, material=material, file=_pdf("v2.pdf", b"%PDF-1.4 v2"), url="", note="Otrā", now=now
        )
    assert _stored(second)
    download = _client(world.teacher_lizuma).get(reverse("materials:version_file", args=[second.public_id]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 v2"  # type: ignore[attr-defined]
