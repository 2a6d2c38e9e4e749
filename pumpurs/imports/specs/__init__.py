"""One module per import kind; ``SPECS`` maps the CLI/UI kind name (``imports.models.KINDS``) to its spec."""

from __future__ import annotations

from pumpurs.imports.specs.attendance import ATTENDANCE_DAILY, ATTENDANCE_MARKS
from pumpurs.imports.specs.base import ImportSpec
from pumpurs.imports.specs.budgets import BUDGETS
from pumpurs.imports.specs.grades import GRADES
from pumpurs.imports.specs.incidents import INCIDENTS
from pumpurs.imports.specs.institutions import INSTITUTIONS
from pumpurs.imports.specs.pupils import PUPILS
from pumpurs.imports.specs.staff import STAFF

SPECS: dict[str, tuple[ImportSpec, ...]] = {
    "institutions": (INSTITUTIONS,),
    "pupils": (PUPILS,),
    # Two shapes of attendance, told apart by the header.
    "attendance": (ATTENDANCE_DAILY, ATTENDANCE_MARKS),
    "grades": (GRADES,),
    "incidents": (INCIDENTS,),
    "staff": (STAFF,),
    "budgets": (BUDGETS,),
}
