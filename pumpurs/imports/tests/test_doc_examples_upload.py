"""The example files of docs/imports.md through the upload page, each by the role that imports it
(issue 13, trap 8): a file with pupils of several schools is accepted from someone whose scope
covers those schools — uploaded for "all my schools" — and a refusal names the real cause.

Story, in the Gulbene demo: Dace Riekstiņa coordinates PuMPuRS at three schools and registers the
example roster (pupils of all three) in one upload; the municipality's coordinator then checks
every example fact file for all Gulbene schools. Lizuma's coordinator, choosing only her school,
is told which rows are not hers and why; the municipality coordinator is told who imports rosters.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from pumpurs.imports.models import ImportBatch
from pumpurs.imports.tests.conftest import post_then_work
from pumpurs.imports.tests.test_doc_examples import EXAMPLES, FACTS
from pumpurs.imports.tests.test_views import client_for
from pumpurs.people.models import Institution, Pupil, Role, RoleGrant, User

ROSTER_SCHOOLS = ("DEMO-GNV", "DEMO-LIZUMS", "DEMO-TIRZA")  # the schools of docs/examples/imports/pupils.csv


@pytest.fixture
def gulbene(db: None, today) -> None:
    call_command("seed", preset="gulbene", today=today.isoformat(), no_facts=True, stdout=io.StringIO())


@pytest.fixture
def dace(gulbene: None) -> User:
    user = User.objects.create_user("dace.riekstina", first_name="Dace", last_name="Riekstiņa")
    for code in ROSTER_SCHOOLS:
        RoleGrant.objects.create(
            user=user, role=Role.SCHOOL_COORDINATOR, institution=Institution.objects.get(code=code)
        )
    return user


def upload(user: User, kind: str, name: str, *, institution: Institution | None = None) -> ImportBatch:
    file = SimpleUploadedFile(name, (EXAMPLES / name).read_bytes(), content_type="text/csv")
    data = {"kind": kind, "institution": institution.pk if institution else "", "file": file, "encoding": ""}
    response = post_then_work(client_for(user), reverse("import_upload"), {**data, "sheet": ""})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return ImportBatch.objects.latest("id")


def apply(user: User, batch: ImportBatch) -> ImportBatch:
    assert post_then_work(client_for(user), reverse("import_apply", args=[batch.public_id])).status_code == 302
    return ImportBatch.objects.get(preview=batch)


def test_every_example_file_goes_through_the_upload_page_by_the_role_that_imports_it(dace: User) -> None:
    pupils = Pupil.objects.count()
    checked = upload(dace, "pupils", "pupils.csv")
    assert (checked.status, checked.errors, checked.institution) == ("dry-run", [], None)
    applied = apply(dace, checked)
    assert (applied.status, applied.created) == ("applied", 4)
    assert Pupil.objects.count() == pupils + 4

    municipality = User.objects.get(username="gulbene.koordinators")
    for kind, name in FACTS:
        batch = upload(municipality, kind, name)
        assert (batch.status, batch.errors) == ("dry-run", []), name
        assert batch.rows == batch.created > 0, name


def test_a_school_chosen_for_a_file_of_several_schools_is_named_as_the_cause(dace: User, gulbene: None) -> None:
    lizums = Institution.objects.get(code="DEMO-LIZUMS")
    batch = upload(dace, "pupils", "pupils.csv", institution=lizums)
    assert batch.status == "rejected"
    others = [e for e in batch.errors if e["code"] == "institution_other"]
    assert sorted(e["row"] for e in others) == [4, 5]  # the rows of Gulbene's and Tirza's schools
    assert "Lizuma pamatskola" in others[0]["message"]

    coordinator = User.objects.get(username="lizums.koordinators")
    apply(dace, upload(dace, "pupils", "pupils.csv"))
    facts = upload(coordinator, "attendance", "attendance-daily.csv", institution=lizums)
    unknown = [e for e in facts.errors if e["code"] == "pupil_unknown"]
    assert unknown, facts.errors
    assert "Lizuma pamatskola" in unknown[0]["message"]  # the chosen school, named as the likely cause


def test_the_municipality_is_told_who_imports_rosters(gulbene: None) -> None:
    municipality = User.objects.get(username="gulbene.koordinators")
    file = SimpleUploadedFile("pupils.csv", (EXAMPLES / "pupils.csv").read_bytes(), content_type="text/csv")
    data = {"kind": "pupils", "institution": "", "file": file, "encoding": "", "sheet": ""}
    response = client_for(municipality).post(reverse("import_upload"), data)
    assert response.status_code == 200
    assert "skolu koordinatori" in " ".join(response.context["form"].non_field_errors())
    assert not ImportBatch.objects.exists()


def test_staff_and_the_register_of_institutions_are_not_offered_on_the_page(dace: User) -> None:
    """They are loaded with ``pumpurs import`` (decision 0016); test_doc_examples runs those files."""
    offered = {
        value for value, _label in client_for(dace).get(reverse("import_upload")).context["form"].fields["kind"].choices
    }
    assert offered == {kind for kind, _name in FACTS} | {"pupils"}
    assert Path(EXAMPLES / "staff.csv").exists()
