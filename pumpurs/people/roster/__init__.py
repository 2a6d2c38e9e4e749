"""Registering, moving and updating pupils: the one set of rules for every way a pupil is written.

``roster_apply`` takes entries — one pupil each, with their class and optionally a guardian — from
``pupil_create`` and ``pupil_enrol`` (one entry) or a roster import (a whole file). It checks every
rule for every entry with a fixed number of queries per 5 000 entries, reports every problem with
the entry's row, field and a stable code, and writes only when there is none: pupils, classes,
enrolments and guardians in bulk, with one audit event per change. The same input therefore gets
the same answer — accepted, or the same refusal — from the people services, the command line, the
upload page and the API (decision 0012).

The rules (codes as in ``docs/imports.md``):

* a valid personal code (``personal_code_invalid``), once per input (``duplicate_row``);
* names filled in (``required``) and not too long (``too_long``); an old-format code's birth date
  agrees with the one given (``birth_date_mismatch``); a new-format code needs one
  (``birth_date_required``); a known gender (``gender_invalid``);
* a school where the actor may register pupils (``institution_unknown``, a refusal of permission),
  a grade it teaches (``grade_out_of_range``), a class of the current school year
  (``no_school_year``) whose grade agrees (``grade_mismatch``);
* the enrolment starts in the current school year and not after today (``date_invalid``); a new
  pupil from the year's first day unless said otherwise, a move from today; a move starts after the
  pupil's current enrolment began, or after their last one ended (``enrolment_overlap``) — it is
  refused, never shifted;
* a pupil enrolled at a school outside the actor's scope is not moved (``pupil_out_of_scope``): the
  school they are at ends that enrolment first (a transfer). A pupil with no open enrolment may be
  enrolled by any school that may register pupils; one the actor could not see counts as created
  and no other school's dates are quoted to them — the refusal of an enrolled pupil is all a
  roster tells about a record outside the actor's scope;
* a guardian needs a first and a last name (``guardian_name_invalid``), a known relation
  (``relation_invalid``) and a valid e-mail address if any (``email_invalid``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pumpurs.core import crypto
from pumpurs.people.actors import Actor, require_actor
from pumpurs.people.calendar import school_year_on
from pumpurs.people.personal_code import PersonalCode, parse_personal_code
from pumpurs.people.roster.entries import (
    GuardianEntry,
    NotInScope,
    Problem,
    PupilEntry,
    RosterOutcome,
    raise_first,
)
from pumpurs.people.roster.rules import Plan, check, decide, guardian_problems, load
from pumpurs.people.roster.write import classes_to_create
from pumpurs.people.roster.write import write as write_plans


@transaction.atomic
def roster_apply(
    *, actor: Actor, entries: Sequence[PupilEntry], today: dt.date, create_only: bool = False, write: bool = True
) -> RosterOutcome:
    """Check every entry, then — only if none has a problem and ``write`` — register, move and
    update them, each change audited. ``create_only`` refuses a personal code already registered
    (``pupil_create``); otherwise an entry for a known pupil updates and, if their class changed,
    moves them (a roster). Counts are filled in either way (a dry run writes nothing).
    Inverse: ``enrolment_end`` for an enrolment; pupils are never deleted here."""
    actor = require_actor(actor)
    outcome = RosterOutcome()
    year = school_year_on(today)
    if year is None:
        message = _("The calendar has no current school year: a coordinator must add it first.")
        outcome.problems.append(Problem(1, "", "no_school_year", message))
        return outcome
    codes: dict[int, PersonalCode] = {}
    for index, entry in enumerate(entries):
        if "personal_code" in entry.refused:
            continue
        try:
            codes[index] = parse_personal_code(entry.personal_code)
        except ValidationError as exc:
            outcome.problems.append(Problem(entry.row, "personal_code", "personal_code_invalid", exc.messages[0]))
    hashes = {index: crypto.lookup_hash(code.digits) for index, code in codes.items()}
    known = load(actor, set(hashes.values()), entries, year)
    plans: list[Plan] = []
    seen: dict[str, int] = {}
    pending_classes: dict[tuple[int, str], int] = {}  # classes to create → their grade
    for index, entry in enumerate(entries):
        problems = check(entry, codes.get(index), hashes.get(index), seen, known, pending_classes, year, today)
        code = codes.get(index)
        code_hash = hashes.get(index)
        plan = None
        readable = entry.institution is not None and entry.grade is not None
        if not problems and code is not None and code_hash is not None and readable:
            plan, problems = decide(entry, code, code_hash, known, create_only, year, today)
        outcome.problems.extend(problems)
        if plan is not None and not problems:
            plans.append(plan)
    if outcome.problems:
        outcome.problems.sort(key=lambda p: (p.row, not p.denied, p.field))
        return outcome
    # A pupil the actor could not see counts as created (new to them): whether the record existed,
    # and whether it held the same names, is not the importer's to learn (issue 17, M7).
    outcome.created = sum(p.new or p.hidden for p in plans)
    outcome.updated = sum(not p.new and not p.hidden and p.changed for p in plans)
    outcome.unchanged = len(plans) - outcome.created - outcome.updated
    if write:
        write_plans(actor, plans, known, pending_classes, year, outcome)
    else:  # a dry run says which classes it would create
        outcome.classes_created = classes_to_create(plans, known, pending_classes, year)
    return outcome


__all__ = [
    "GuardianEntry",
    "NotInScope",
    "Problem",
    "PupilEntry",
    "RosterOutcome",
    "guardian_problems",
    "raise_first",
    "roster_apply",
]
