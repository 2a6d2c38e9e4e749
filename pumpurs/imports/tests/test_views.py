"""The import pages, told through Līga Bērza (Lizuma's coordinator), who uploads the school's
e-journal exports; Anna Vītola (Tirzas' coordinator), who must never see Lizuma's files; and
Ilze Ozola (a Lizuma class teacher), who imports nothing and is shown no import page at all."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.imports import forms, selectors
from pumpurs.imports.heartbeat import progress_path
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import (
    import_batch_actor,
    import_batch_create,
    import_batch_run,
    import_operator,
)
from pumpurs.imports.tests.conftest import post_then_work, write_csv, write_xlsx
from pumpurs.imports.tests.test_attendance import HEADER, rows_for, school_days
from pumpurs.journal.models import AttendanceDay
from pumpurs.world.personas import World


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_upload(
    rows: list[list[object]], *, name: str = "apmeklejums.csv", encoding: str = "utf-8"
) -> SimpleUploadedFile:
    text = "\n".join(",".join(str(c) for c in row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def bad_rows(world: World) -> list[list[object]]:
    rows = rows_for(world)
    rows[2][2] = -7  # negative lessons
    return rows


def upload(client: Client, world: World, file: SimpleUploadedFile, **extra: object):
    data = {"kind": "attendance", "institution": world.lizuma.pk, "file": file, "encoding": "", "sheet": "", **extra}
    return post_then_work(client, reverse("import_upload"), data)


def detail_url(batch: ImportBatch) -> str:
    return reverse("import_detail", args=[batch.public_id])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- The whole story: check, look, apply --------------------------------------------------------


def test_coordinator_checks_a_clean_file_then_applies_it(world: World) -> None:
    liga = client_for(world.coordinator_lizuma)

    response = upload(liga, world, csv_upload(rows_for(world)))
    preview = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(preview)
    assert (preview.status, preview.dry_run, preview.rows, preview.created) == ("dry-run", True, 3, 3)
    assert preview.filename == "apmeklejums.csv"
    assert AttendanceDay.objects.count() == 0, "a check writes no facts"

    page = liga.get(detail_url(preview))
    assert page.status_code == 200
    assert page.context["may_apply"] is True
    assert reverse("import_apply", args=[preview.public_id]) in page.content.decode()
    assert "Tiks izveidoti" in text_of(page)  # "to be created": the counts are what applying will do

    response = post_then_work(liga, reverse("import_apply", args=[preview.public_id]))
    applied = ImportBatch.objects.exclude(pk=preview.pk).get()
    assert response["Location"] == detail_url(applied)
    assert (applied.status, applied.dry_run, applied.preview, applied.created) == ("applied", False, preview, 3)
    assert applied.sha256 == preview.sha256
    assert applied.institution == world.lizuma
    assert AttendanceDay.objects.count() == 3

    events = AuditEvent.objects.filter(action__startswith="imports.").order_by("id")
    assert list(events.values_list("action", "object_id", "actor")) == [
        ("imports.batch.dry_run", str(preview.public_id), world.coordinator_lizuma.pk),
        ("imports.batch.confirmed", str(applied.public_id), world.coordinator_lizuma.pk),
        ("imports.batch.applied", str(applied.public_id), world.coordinator_lizuma.pk),
    ]

    # The check now points at its result, and cannot be applied a second time.
    again = liga.get(detail_url(preview))
    assert again.context["may_apply"] is False
    assert again.context["confirmation"] == applied
    response = post_then_work(liga, reverse("import_apply", args=[preview.public_id]), follow=True)
    assert ImportBatch.objects.count() == 2
    assert "message--error" in response.content.decode()

    listing = liga.get(reverse("import_list"))
    assert [b.pk for b in listing.context["page"].object_list] == [applied.pk, preview.pk]


def test_a_rejected_file_shows_its_errors_changes_nothing_and_its_report_is_audited(world: World) -> None:
    liga = client_for(world.coordinator_lizuma)
    upload(liga, world, csv_upload(bad_rows(world)))
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    assert AttendanceDay.objects.count() == 0

    page = liga.get(detail_url(batch))
    text = text_of(page)
    assert "nekas netika mainīts" in text  # Latvian: "nothing was changed"
    assert page.context["may_apply"] is False
    assert 'class="data-table data-table--compact error-table"' in text
    assert batch.errors[0]["row"] == 3
    assert batch.errors[0]["column"] == "lessons"
    assert reverse("import_errors", args=[batch.public_id]) in text

    response = liga.get(reverse("import_errors", args=[batch.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    report = b"".join(response.streaming_content).decode("utf-8-sig")
    assert report.splitlines()[0].startswith("row,")
    assert "lessons" in report
    event = AuditEvent.objects.get(action="imports.report.downloaded")
    assert (event.actor, event.object_id) == (world.coordinator_lizuma, str(batch.public_id))

    # A rejected check cannot be applied, not even by a hand-made POST.
    response = post_then_work(liga, reverse("import_apply", args=[batch.public_id]))
    assert response.status_code == 302
    assert ImportBatch.objects.count() == 1
    assert AttendanceDay.objects.count() == 0


def test_every_file_is_left_to_the_worker_after_commit(world: World, django_capture_on_commit_callbacks) -> None:
    """However small: a few hundred hostile kilobytes can cost minutes to read (issue 17, H2)."""
    liga = client_for(world.coordinator_lizuma)
    latvian = [["personas_kods", "datums", "stundas", "neattaisnotas", "slimības", "citas_attaisnotas", "novēlošanās"]]
    file = csv_upload(latvian + rows_for(world)[1:], encoding="cp1257")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        data = {"kind": "attendance", "institution": world.lizuma.pk, "file": file, "encoding": "windows-1257"}
        liga.post(reverse("import_upload"), {**data, "sheet": ""})
        batch = ImportBatch.objects.get()
        assert batch.status == "queued", "nothing runs before the batch record is committed"
        page = liga.get(detail_url(batch))
        assert page.context["pending"] is True
        assert "import-progress.js" in page.content.decode()
        assert 'http-equiv="refresh"' in page.content.decode()  # inside <noscript>, for pages without JS
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.rows, batch.encoding_choice, batch.encoding) == ("dry-run", 3, "windows-1257", "cp1257")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        liga.post(reverse("import_apply", args=[batch.public_id]))
        assert AttendanceDay.objects.count() == 0
    assert len(callbacks) == 2  # the import, then the risk refresh its applied batch enqueues
    applied = ImportBatch.objects.get(preview=batch)
    assert (applied.status, applied.encoding_choice) == ("applied", "windows-1257")
    assert AttendanceDay.objects.count() == 3


def test_the_sheet_name_reaches_the_reader(world: World, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    first.append(["nothing", "here"])
    second = book.create_sheet("Kavējumi")
    for row in rows_for(world):
        second.append(row)
    path = tmp_path / "a.xlsx"
    book.save(path)
    liga = client_for(world.coordinator_lizuma)
    file = SimpleUploadedFile("a.xlsx", path.read_bytes())
    upload(liga, world, file, sheet="Kavējumi")
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.sheet, batch.rows) == ("dry-run", "Kavējumi", 3)


# --- Who may see what ---------------------------------------------------------------------------


def lizuma_batch(world: World, tmp_path: Path, *, rows: list[list[object]] | None = None) -> ImportBatch:
    path = write_csv(tmp_path / "a.csv", rows or bad_rows(world))
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=world.lizuma,
        dry_run=True,
    )
    import_batch_run(batch, actor=import_batch_actor(batch))
    return batch


def batch_urls(batch: ImportBatch) -> list[str]:
    return [reverse(name, args=[batch.public_id]) for name in ("import_detail", "import_apply", "import_errors")]


def test_a_class_teacher_gets_404_on_every_import_page(world: World, tmp_path: Path) -> None:
    batch = lizuma_batch(world, tmp_path)
    ilze = client_for(world.teacher_lizuma)
    for url in [reverse("import_list"), reverse("import_upload"), *batch_urls(batch)]:
        assert ilze.get(url).status_code == 404, url
    assert upload(ilze, world, csv_upload(rows_for(world))).status_code == 404
    assert ilze.post(reverse("import_apply", args=[batch.public_id])).status_code == 404
    assert ImportBatch.objects.count() == 1
    assert "Datu imports" not in ilze.get(reverse("class_detail", args=[world.lizuma_7a.public_id])).content.decode()


def test_tirzas_coordinator_cannot_see_lizuma_files(world: World, tmp_path: Path) -> None:
    batch = lizuma_batch(world, tmp_path)
    anna = client_for(world.coordinator_tirzas)
    for url in batch_urls(batch):
        assert anna.get(url).status_code == 404, url
    assert anna.post(reverse("import_apply", args=[batch.public_id])).status_code == 404
    assert list(anna.get(reverse("import_list")).context["page"].object_list) == []
    assert not AuditEvent.objects.filter(action="imports.report.downloaded").exists()


def test_the_municipality_coordinator_sees_the_file_but_cannot_apply_someone_elses_check(
    world: World, tmp_path: Path
) -> None:
    batch = lizuma_batch(world, tmp_path, rows=rows_for(world))
    assert batch.status == "dry-run"
    inese = client_for(world.coordinator_gulbene)
    page = inese.get(detail_url(batch))
    assert page.status_code == 200
    assert page.context["may_apply"] is False
    inese.post(reverse("import_apply", args=[batch.public_id]))
    assert ImportBatch.objects.count() == 1
    assert AttendanceDay.objects.count() == 0
    assert [b.pk for b in inese.get(reverse("import_list")).context["page"].object_list] == [batch.pk]


def test_a_file_without_a_school_is_seen_only_by_its_submitter(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    own = import_batch_create(
        actor=world.coordinator_lizuma, kind="attendance", path=path, filename="a.csv", institution=None, dry_run=True
    )
    server = import_batch_create(
        actor=import_operator(institution=None),
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=None,
        dry_run=True,
    )
    visible = set(selectors.batches_visible_to(world.coordinator_lizuma))
    assert own in visible
    assert server not in visible
    assert set(selectors.batches_visible_to(world.coordinator_tirzas)) == set()
    assert client_for(world.coordinator_tirzas).get(detail_url(own)).status_code == 404


# --- The form -------------------------------------------------------------------------------------


def test_the_form_offers_only_the_users_schools_and_no_institution_register(world: World) -> None:
    page = client_for(world.coordinator_lizuma).get(reverse("import_upload"))
    form = page.context["form"]
    assert list(form.fields["institution"].queryset) == [world.lizuma]
    assert form.fields["institution"].initial == world.lizuma.pk  # preselected: her only school
    kinds = [value for value, _ in form.fields["kind"].choices]
    assert "institutions" not in kinds
    assert set(kinds) == {"pupils", "attendance", "grades", "incidents"}
    assert 'value="institutions"' not in page.content.decode()

    inese = client_for(world.coordinator_gulbene).get(reverse("import_upload")).context["form"]
    assert set(inese.fields["institution"].queryset) == {world.lizuma, world.tirzas}
    assert inese.fields["institution"].initial is None


@pytest.mark.parametrize(
    ("extra", "file_name", "field"),
    [
        ({"institution": "tirzas"}, "a.csv", "institution"),  # a school that is not hers
        ({"kind": "institutions"}, "a.csv", "kind"),  # the national register
        ({}, "a.xls", "file"),  # old Excel
        ({}, "a.pdf", "file"),
        ({"sheet": "Lapa1"}, "a.csv", "sheet"),  # a sheet name for a CSV file
    ],
)
def test_the_form_refuses_what_it_cannot_take_and_records_nothing(
    world: World, extra: dict[str, str], file_name: str, field: str
) -> None:
    if extra.get("institution") == "tirzas":
        extra = {**extra, "institution": str(world.tirzas.pk)}
    response = upload(client_for(world.coordinator_lizuma), world, csv_upload(rows_for(world), name=file_name), **extra)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert ImportBatch.objects.count() == 0


def test_a_file_over_the_limit_is_refused_with_a_clear_message(world: World, monkeypatch) -> None:
    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 10)
    response = upload(client_for(world.coordinator_lizuma), world, csv_upload(rows_for(world)))
    assert "200 MB" in " ".join(response.context["form"].errors["file"])
    assert ImportBatch.objects.count() == 0


# --- Progress and the list ------------------------------------------------------------------------


def test_a_running_batch_shows_how_far_it_has_got(world: World, tmp_path: Path) -> None:
    d = school_days(world, 1)[0]
    rows = [HEADER] + [[world.pupil_lizuma.personal_code, d.isoformat(), 6, 0, 0, 0, 0]] * 400
    path = write_csv(tmp_path / "big.csv", rows)
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="big.csv",
        institution=world.lizuma,
        dry_run=True,
    )
    progress_path(batch).parent.mkdir(parents=True, exist_ok=True)
    progress_path(batch).write_text(json.dumps({"rows": 100, "at": dt.datetime.now(dt.UTC).isoformat()}))
    try:
        progress = selectors.batch_progress(batch)
        assert progress.rows == 100
        assert progress.estimated_rows is not None
        assert 380 <= progress.estimated_rows <= 420
        page = client_for(world.coordinator_lizuma).get(detail_url(batch))
        assert '<progress id="import-progress-bar" max="100" value="25"' in page.content.decode()
    finally:
        progress_path(batch).unlink()
    assert selectors.batch_progress(batch).rows == 0  # no progress file: nothing checked yet


def test_an_xlsx_batch_shows_rows_without_guessing_a_total(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", rows_for(world))
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="a.xlsx",
        institution=world.lizuma,
        dry_run=True,
    )
    assert selectors.batch_progress(batch).percent is None


def test_the_list_costs_the_same_for_many_batches(world: World, tmp_path: Path, django_assert_max_num_queries) -> None:
    liga = client_for(world.coordinator_lizuma)
    lizuma_batch(world, tmp_path)
    with django_assert_max_num_queries(20) as few:
        assert liga.get(reverse("import_list")).status_code == 200
    for _ in range(5):
        lizuma_batch(world, tmp_path)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = liga.get(reverse("import_list"))
    assert len(page.context["page"].object_list) == 6


def test_the_navigation_shows_imports_only_to_those_who_import(world: World) -> None:
    home = client_for(world.coordinator_lizuma).get(reverse("institution_detail", args=[world.lizuma.public_id]))
    assert reverse("import_list") in home.content.decode()
    teacher = client_for(world.specialist_lizuma).get(reverse("institution_detail", args=[world.lizuma.public_id]))
    assert reverse("import_list") not in teacher.content.decode()


def test_errors_name_the_columns_as_the_file_does_and_show_no_codes(world: World, run_import, tmp_path: Path) -> None:
    """A Latvian export's headers, a Latvian page: no English column or error code on it; the
    command line's JSON keeps the canonical columns and the codes (issue 13)."""
    header = ["Personas kods", "Datums", "Stundas", "Neattaisnotas", "Slimības", "Citas attaisnotas", "Novēlošanās"]
    rows = rows_for(world)[1:]
    rows[0][2] = -7  # lessons
    rows[1][1] = ""  # date
    liga = client_for(world.coordinator_lizuma)
    upload(liga, world, csv_upload([header, *rows], name="kavejumi.csv"))
    batch = ImportBatch.objects.get()

    assert {(e["heading"], e["code"]) for e in batch.errors} == {("Stundas", "negative"), ("Datums", "required")}
    empty = next(e for e in batch.errors if e["code"] == "required")
    assert "Datums" in empty["message"]
    assert "date" not in empty["message"]
    table = text_of(liga.get(detail_url(batch))).split('class="data-table data-table--compact error-table"')[1]
    assert "<td>Stundas</td>" in table
    assert "<td>Datums</td>" in table
    for english in ("negative", "required", "lessons", ">date<", "<code>"):
        assert english not in table, english

    code, summary = run_import("attendance", write_csv(tmp_path / "k.csv", [header, *rows]), "--dry-run")
    assert code == 1
    assert {(e["column"], e["code"]) for e in summary["errors"]} == {("lessons", "negative"), ("date", "required")}
