"""``{% error_summary form formsets as problems %}``: every error of a page's forms, in order, each
with the id of its field — the lines of the error summary (``includes/form_errors.html``)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _of_form(form: Any) -> list[tuple[str, str]]:
    problems = [("", str(error)) for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            if field.is_hidden:
                problems.append(("", str(error)))
            else:
                problems.append((_anchor(field), f"{field.label}: {error}"))
    return problems


def _anchor(field: Any) -> str:
    """The id the summary links to: the field's own, or for radio buttons and checkbox lists
    (whose label names no single input) the first option's, as the GOV.UK pattern does."""
    if field.id_for_label:
        return str(field.id_for_label)
    options = field.subwidgets
    return str(options[0].id_for_label or "") if options else ""


def _problems(thing: Any) -> list[tuple[str, str]]:
    if thing is None or thing == "":
        return []
    if isinstance(thing, list | tuple):
        return [problem for part in thing for problem in _problems(part)]
    if hasattr(thing, "management_form"):  # a formset: its own errors, then each form's
        if not thing.is_bound:
            return []
        problems = [("", str(error)) for error in thing.non_form_errors()]
        return problems + [problem for form in thing.forms for problem in _of_form(form)]
    if not getattr(thing, "is_bound", False):
        return []
    return _of_form(thing)


@register.simple_tag
def error_summary(*things: Any) -> list[tuple[str, str]]:
    return _problems(list(things))
