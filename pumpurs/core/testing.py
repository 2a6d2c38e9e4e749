"""Test helpers for the refusal contract of every long form (issue 13): a refused submission comes
back with what was typed in its fields and the error summary at the top linking to each field."""

from __future__ import annotations

import re
from html import escape
from typing import Any

SUMMARY = 'class="error-summary"'


def _field_html(html: str, field_id: str) -> str:
    """The element whose id is ``field_id`` (its opening tag, or a textarea / select whole)."""
    ids = re.findall(rf'\sid="{re.escape(field_id)}"', html)
    assert len(ids) == 1, f"{len(ids)} elements have id={field_id!r}: the summary's link must reach exactly one field"
    start = html.rindex("<", 0, html.index(f'id="{field_id}"'))
    tag = re.match(r"<(\w+)", html[start:])
    assert tag is not None
    name = tag.group(1)
    if name in {"textarea", "select"}:
        return html[start : html.index(f"</{name}>", start)]
    return html[start : html.index(">", start) + 1]


def assert_kept(response: Any, **typed: str) -> str:
    """``response`` is a refusal (4xx) whose page shows the summary, a link to each field named
    (by its id, ``id_<name>`` or the prefixed id) and the value typed in that field.

    Call as ``assert_kept(response, id_summary="Zvanīja mammai")``; a select's value is matched
    as its selected option, a textarea's as its text, an input's as its ``value``."""
    assert 400 <= response.status_code < 500, response.status_code
    html: str = response.content.decode()
    assert SUMMARY in html, "no error summary at the top of the form"
    summary = html[html.index(SUMMARY) :]
    summary = summary[: summary.index("</div>")]
    for field_id, value in typed.items():
        element = _field_html(html, field_id)
        if element.startswith("<select"):
            assert re.search(rf'<option value="{re.escape(escape(value))}"[^>]*selected', element), (field_id, element)
        elif element.startswith("<textarea"):
            assert escape(value, quote=False) in element, (field_id, element)
        else:
            assert f'value="{escape(value)}"' in element, (field_id, element)
    return summary


def assert_summary_links(summary: str, *field_ids: str) -> None:
    """The error summary links to each of ``field_ids``."""
    for field_id in field_ids:
        assert f'href="#{field_id}"' in summary, (field_id, summary)


def assert_checked(response: Any, name: str, value: str) -> None:
    """The radio button ``value`` of ``name`` comes back checked."""
    html: str = response.content.decode()
    radios = re.findall(rf'<input type="radio" name="{re.escape(name)}"[^>]*>', html)
    chosen = [radio for radio in radios if f'value="{escape(value)}"' in radio]
    assert len(chosen) == 1, (name, value, radios)
    assert " checked" in chosen[0], (name, value, radios)
