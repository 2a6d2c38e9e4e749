"""Test helpers: the refusal contract of every long form (issue 13: a refused submission comes back
with what was typed in its fields and the error summary at the top linking to each field), and
waiting for a server the tests started in a process of its own (``pumpurs serve``, nginx)."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Callable
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


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Poll ``condition`` every 0.1 s until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def wait_for_port(port: int, process: subprocess.Popen[str], what: str, seconds: float = 60) -> None:
    """Wait until ``process`` (the server ``what``) listens on 127.0.0.1:``port``. Fails at once, with
    the process's output, when it stops first; after ``seconds`` when it never listens."""
    wait_until(lambda: process.poll() is not None or _listening(port), f"{what} listening on {port}", seconds)
    if process.poll() is not None:
        raise AssertionError(f"{what} stopped: {process.communicate()}")
