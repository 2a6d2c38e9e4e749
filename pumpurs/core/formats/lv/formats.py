"""How Latvian pages write dates and numbers: one format for every page, print and e-mail (issue 13).

Django's own Latvian formats write a date long ("2026. gada 1. septembris") in some places and
short in others; here every date is the short one, 1.09.2026, and a time is added as 1.09.2026 10:00.
"""

DATE_FORMAT = "j.m.Y"
SHORT_DATE_FORMAT = "j.m.Y"
DATETIME_FORMAT = "j.m.Y H:i"
SHORT_DATETIME_FORMAT = "j.m.Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "Y. \\g. F"

# One semester format for pages, print, e-mail and exports (``core.display.semester_text``): the
# number and the school year, always in the nominative — a sentence puts it after a colon or in
# brackets rather than declining it.
SEMESTER_FORMAT = "{number}. semestris ({year})"
