"""How English pages write dates: day before month, never 09/01/2026 (issue 13). "1 Sep 2026"
cannot be misread by a reader used to either order."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"

# One semester format (``core.display.semester_text``); a sentence that starts with it capitalises it.
SEMESTER_FORMAT = "semester {number} ({year})"
