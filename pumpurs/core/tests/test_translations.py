"""Latvian first, English complete (DESIGN §5): the catalogue is whole and the language switch works."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

LV_PO = Path(settings.PACKAGE_DIR) / "locale" / "lv" / "LC_MESSAGES" / "django.po"
LATVIAN_LETTERS = set("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ")


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(LV_PO))


def test_latvian_catalogue_is_complete(catalogue: polib.POFile) -> None:
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=3;")


def test_latvian_catalogue_is_compiled_and_current(catalogue: polib.POFile) -> None:
    mo_path = LV_PO.with_suffix(".mo")
    assert mo_path.exists()
    # Keyed by context too: "low" (a severity) and pgettext("risk level", "low") are two entries.
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path))}
    stale = [
        e.msgid
        for e in catalogue.translated_entries()
        if not e.msgid_plural and compiled.get((e.msgctxt, e.msgid)) != e.msgstr
    ]
    assert not stale, f"run compilemessages: {stale[:5]}"


def test_latvian_is_written_with_diacritics(catalogue: polib.POFile) -> None:
    """Guards against a catalogue typed without the Latvian keyboard ("skolens" for "skolēns")."""
    text = "".join(e.msgstr for e in catalogue)
    assert len(LATVIAN_LETTERS & set(text)) >= 9
    assert "skolēns" in text
    assert "Pieslēgties" in text


def test_login_page_is_latvian_by_default(db: None) -> None:
    body = Client().get(reverse("login")).content.decode()
    assert '<html lang="lv">' in body
    assert "Pieslēgties" in body
    assert "Lietotājvārds" in body
    assert "Parole" in body
    assert "Sign in" not in body


def test_login_page_is_english_on_request(db: None) -> None:
    body = Client(headers={"accept-language": "en"}).get(reverse("login")).content.decode()
    assert '<html lang="en">' in body
    assert "Sign in" in body
    assert "Username" in body
    assert "Password" in body
    assert "Pieslēgties" not in body
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Sign in" in client.get(reverse("login")).content.decode()


def test_a_wrong_password_is_explained_in_latvian(db: None) -> None:
    body = Client().post(reverse("login"), {"username": "nobody", "password": "x"}).content.decode()
    assert "paroli" in body
