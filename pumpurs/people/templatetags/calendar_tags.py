"""The one sentence a page says in a holiday about the semester it shows (docs/calendar.md)."""

from __future__ import annotations

from typing import Any

from django import template

from pumpurs.people.calendar import CalendarDay, Phase

register = template.Library()


@register.inclusion_tag("people/_semester_note.html")
def semester_note(calendar: CalendarDay | None, looking: str = "back") -> dict[str, Any]:
    """Nothing on a school day. In a break or in the summer: which semester the page shows —
    ``looking="back"`` the one that ended last (watch list, questionnaire, reviews), ``"ahead"``
    the one plans are drawn up for — and when the next one starts; before any semester, why the
    page is empty."""
    if calendar is None or calendar.phase == Phase.IN_SEMESTER:
        return {"show": False}
    return {
        "show": True,
        "phase": calendar.phase.value,
        "ahead": looking == "ahead",
        "semester": calendar.semester,
        "planning": calendar.planning,
    }
