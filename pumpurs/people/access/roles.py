"""What each role may do, who may appoint whom, and which permissions a role holds only through
break-the-glass: the tables the scope questions read (``people.access``)."""

from __future__ import annotations

from pumpurs.people.models import Role
from pumpurs.people.perms import Perm

_SCHOOL_DETAIL = {
    Perm.VIEW_OVERVIEW,
    Perm.VIEW_PUPILS,
    Perm.VIEW_PERSONAL_CODE,
    Perm.VIEW_GUARDIAN_CONTACTS,
    Perm.SEARCH_BY_PERSONAL_CODE,
}

_RISK_READ = {Perm.VIEW_RISK, Perm.VIEW_RISK_COUNTS}
# Those who work on a pupil's support at school: they see it, keep the case, deliver and review.
_SUPPORT_WORK = {Perm.VIEW_SUPPORT, Perm.MANAGE_CASES, Perm.DELIVER, Perm.REVIEW_PLANS}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.CLASS_TEACHER: frozenset(
        _SCHOOL_DETAIL
        | _RISK_READ
        | _SUPPORT_WORK
        | {Perm.DECIDE_FLAGS, Perm.ASSESS, Perm.VIEW_SENSITIVE, Perm.CHANGE_ANY_CASE}
    ),
    Role.SPECIALIST: frozenset(_SCHOOL_DETAIL | _RISK_READ | _SUPPORT_WORK | {Perm.ASSESS, Perm.VIEW_SENSITIVE}),
    Role.SCHOOL_COORDINATOR: frozenset(
        _SCHOOL_DETAIL
        | _RISK_READ
        | {
            Perm.MANAGE_PUPILS,
            Perm.VIEW_OUT_OF_SCHOOL,
            Perm.IMPORT_DATA,
            Perm.DECIDE_FLAGS,
            Perm.ASSESS,
            Perm.VIEW_SENSITIVE,
            Perm.MANAGE_CAPACITY,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_OUTBOX,
            Perm.RECORD_LOW_INCOME,
            Perm.MANAGE_STAFF,
            Perm.VIEW_TRAININGS,
            Perm.REGISTER_TRAINEES,
            Perm.VIEW_FINANCE,
            Perm.PREPARE_EXPENSES,
            Perm.CHANGE_ANY_CASE,
            Perm.STEWARD_CASES,
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_INDICATORS,
        }
        | _SUPPORT_WORK
    ),
    Role.DIRECTOR: frozenset(
        _SCHOOL_DETAIL
        | _RISK_READ
        | {
            Perm.MANAGE_CAPACITY,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_SUPPORT,
            Perm.APPROVE_AS_DIRECTOR,
            Perm.MANAGE_STAFF,
            Perm.VIEW_TRAININGS,
            Perm.REGISTER_TRAINEES,
            Perm.VIEW_FINANCE,
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_INDICATORS,
        }
    ),
    # The municipality sees how many pupils each school flags, not who (issue 4).
    Role.MUNICIPALITY_COORDINATOR: frozenset(
        _SCHOOL_DETAIL
        | {
            Perm.IMPORT_DATA,
            Perm.VIEW_OUT_OF_SCHOOL,
            Perm.VIEW_RISK_COUNTS,
            Perm.MANAGE_THRESHOLDS,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_OUTBOX,
            Perm.FOLLOW_ABSENCES,
            # Approving a plan means reading it: the municipality sees the plans of its schools.
            Perm.VIEW_SUPPORT,
            Perm.APPROVE_AS_MUNICIPALITY,
            Perm.RECORD_LOW_INCOME,
            Perm.MANAGE_STAFF,
            Perm.VIEW_YOUTH,
            Perm.MANAGE_YOUTH,
            Perm.VIEW_TRAININGS,
            Perm.MANAGE_TRAININGS,
            Perm.MANAGE_MATERIALS,
            # The municipality manages its schools' budgets and its own rates where allowed.
            Perm.VIEW_FINANCE,
            Perm.MANAGE_BUDGETS,
            Perm.MANAGE_RATES,
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_INDICATORS,
            Perm.VIEW_EFFECTS,
            Perm.BREAK_GLASS,
        }
    ),
    # The national team monitors and approves; it sees pupils by name but not their codes or
    # their families' contacts.
    Role.NATIONAL_PROGRAMME: frozenset(
        {
            Perm.VIEW_OVERVIEW,
            Perm.VIEW_PUPILS,
            Perm.VIEW_RISK_COUNTS,
            Perm.MANAGE_INSTRUMENTS,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_SUPPORT,
            Perm.APPROVE_AS_NATIONAL,
            Perm.MANAGE_CATALOGUE,
            Perm.MANAGE_CALENDAR,
            Perm.VIEW_YOUTH,
            Perm.MANAGE_YOUTH,
            Perm.VIEW_TRAININGS,
            Perm.MANAGE_TRAININGS,
            Perm.MANAGE_MATERIALS,
            Perm.VIEW_FINANCE,
            Perm.MANAGE_BUDGETS,
            Perm.MANAGE_RATES,
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_INDICATORS,
            Perm.VIEW_EFFECTS,
            Perm.BREAK_GLASS,
            # The controller's management reviews the DPO's own openings (decision 0046).
            Perm.REVIEW_DPO_OPENINGS,
        }
    ),
    # Subject-access requests need the code and the whole record; the trail is theirs to read. The
    # pupil's file itself (risk record, support) only through break-the-glass (GLASS_ONLY).
    Role.DATA_PROTECTION_OFFICER: frozenset(
        _SCHOOL_DETAIL
        | {
            Perm.VIEW_AUDIT,
            Perm.EXPORT_SUBJECT,
            Perm.ERASE_PUPIL,
            Perm.VIEW_RISK,
            Perm.VIEW_FAIRNESS,
            Perm.VIEW_SUPPORT,
            Perm.BREAK_GLASS,
        }
    ),
    Role.SYSTEM_ADMIN: frozenset({Perm.VIEW_OVERVIEW, Perm.MANAGE_STAFF, Perm.VIEW_JOBS}),
}

# Who may give which roles (issue 12): each level appoints the level below it, within its own
# scope, and nobody grants a role above or outside their own. The system administrator is the root
# of the tree: the national roles, the municipality coordinators, and — so that a school whose
# municipality has no coordinator yet can start — any school role (decision 0016).
GRANTABLE_BY: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(Role.values),
    Role.MUNICIPALITY_COORDINATOR: frozenset({Role.DIRECTOR, Role.SCHOOL_COORDINATOR}),
    Role.DIRECTOR: frozenset({Role.CLASS_TEACHER, Role.SPECIALIST}),
    Role.SCHOOL_COORDINATOR: frozenset({Role.CLASS_TEACHER, Role.SPECIALIST}),
}
# A system actor (the operator's ``pumpurs import staff``) grants by the scope it carries: over the
# whole country anything, over named schools or municipalities the school roles there.
_SYSTEM_GRANTABLE_IN_SCHOOLS = frozenset({Role.CLASS_TEACHER, Role.SPECIALIST, Role.SCHOOL_COORDINATOR, Role.DIRECTOR})


# Break-the-glass instead of routine access (issue 17; decision 0041): the national programme and
# the data protection officer hold these permissions, but over no pupil by their grant — only over
# the pupils whose file they opened with a reason, while the opening lasts (``EmergencyAccess``;
# ``pupils_visible_to``, ``held_at_school``). By default the DPO reads the audit trail, not the file.
GLASS_ONLY: dict[str, frozenset[Perm]] = {
    Role.NATIONAL_PROGRAMME: frozenset({Perm.VIEW_SUPPORT}),
    Role.DATA_PROTECTION_OFFICER: frozenset({Perm.VIEW_RISK, Perm.VIEW_SUPPORT}),
}


# What an emergency opening shows of the one pupil: the risk record (flags, decisions, questionnaire,
# indicators) and the support file (case, plans, contacts, consents, deliveries), which these roles
# otherwise see only as counts, or — the national team and the DPO — not at all.
EMERGENCY_PERMS = frozenset({Perm.VIEW_RISK, Perm.VIEW_SUPPORT})
