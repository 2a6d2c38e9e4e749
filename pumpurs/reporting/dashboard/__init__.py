"""What a dashboard shows, read from the pre-aggregate (``DashboardCell``) in three small queries:
the place's own rows (every bucket), its children's rows for the current semester and school year
(the schools of a municipality, the municipalities of the country) and the children's weekly
attendance. Nothing here touches the facts.

Small cells (``reporting.suppression``): a place above school level — and a school seen by anyone
without a role at that school — hides counts of 1–4, with secondary suppression wherever a shown
total would give a hidden cell away; a rate whose count is hidden is withheld. Money and lesson
totals are not head counts and are shown.

The package: ``places`` (where a dashboard is, and who may open it), ``shapes`` (what a page shows),
``build`` (the shapes filled from the pre-aggregate) with ``series`` (labels, hiding, a figure's
weeks and semesters), ``tables`` (the place's own tables and weekly trends) and ``units`` (the
units below the place).
"""

from pumpurs.reporting.dashboard.build import FIGURES, LISTABLE, dashboard_for, list_perm, metric_label, view_key
from pumpurs.reporting.dashboard.places import (
    Place,
    municipality_place,
    national_place,
    place_above,
    places_for,
    school_place,
)
from pumpurs.reporting.dashboard.series import semester_label
from pumpurs.reporting.dashboard.shapes import (
    SMALL_MULTIPLES,
    Breakdown,
    Cell,
    Child,
    Dashboard,
    Figure,
    MoneyLine,
    Trend,
    TrendRow,
    Wait,
)
from pumpurs.reporting.dashboard.units import CHILD_COLUMNS

__all__ = [
    "CHILD_COLUMNS",
    "FIGURES",
    "LISTABLE",
    "SMALL_MULTIPLES",
    "Breakdown",
    "Cell",
    "Child",
    "Dashboard",
    "Figure",
    "MoneyLine",
    "Place",
    "Trend",
    "TrendRow",
    "Wait",
    "dashboard_for",
    "list_perm",
    "metric_label",
    "municipality_place",
    "national_place",
    "place_above",
    "places_for",
    "school_place",
    "semester_label",
    "view_key",
]
