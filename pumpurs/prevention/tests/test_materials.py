"""The materials library (issue 16): the national team adds a guide as a PDF, files are checked
like evidence files (a renamed file or one too big writes nothing), a new version becomes current
with the old one kept, and every signed-in user — but nobody signed out — reads and downloads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import User
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


def test_a_material_its_versions_and_who_reads_it(world: World) -> None:
    national = _client(world.national)
    refused = national.post(reverse("materials:material_create"), FORM | {"file": _pdf("macro.pdf", b"PK\x03\x04x")})
    assert refused.status_code == 400
    assert "The file&#x27;s content is not a PDF file." in refused.content.decode()
    assert not Material.objects.exists()
    assert national.post(reverse("materials:material_create"), FORM).status_code == 400  # neither file nor link

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
