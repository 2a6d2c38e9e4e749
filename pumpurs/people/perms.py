"""The permissions roles map to (``people.access`` says who holds which, and where). Its own module
so that ``people.actors`` can name them without importing ``access``, which imports actors."""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    VIEW_OVERVIEW = "people.view_overview"  # institutions, classes and pupil counts
    VIEW_PUPILS = "people.view_pupils"  # pupil lists and profiles (names, enrolments)
    VIEW_PERSONAL_CODE = "people.view_personal_code"
    VIEW_GUARDIAN_CONTACTS = "people.view_guardian_contacts"
    SEARCH_BY_PERSONAL_CODE = "people.search_by_personal_code"
    MANAGE_PUPILS = "people.manage_pupils"
    # pupils whose enrolment ended without completing and who are enrolled nowhere now
    VIEW_OUT_OF_SCHOOL = "people.view_out_of_school"
    IMPORT_DATA = "imports.run"  # load rosters and e-journal facts for the schools in scope
    VIEW_AUDIT = "audit.view"
    # Everything held about one pupil, as one file (subject access, GDPR art. 15): the DPO's alone.
    EXPORT_SUBJECT = "privacy.export_subject"
    # Erase one pupil's record (right to erasure, GDPR art. 17) and see what retention would remove: the DPO's alone.
    ERASE_PUPIL = "privacy.erase_pupil"
    # Break-the-glass (decision 0035): open one pupil's risk record for a few hours, with a reason.
    BREAK_GLASS = "people.break_glass"
    # The second pair of eyes on the data protection officer's own break-the-glass openings
    # (decision 0046): she reviews everyone else's; the national programme reviews hers.
    REVIEW_DPO_OPENINGS = "privacy.review_dpo_openings"
    MANAGE_STAFF = "people.manage_staff"
    VIEW_JOBS = "ops.view_jobs"  # the scheduled jobs' runs and the workers' heartbeat (no personal data)
    MANAGE_CALENDAR = "people.manage_calendar"  # school years, semesters, grade 9 and 12 end dates
    # Early identification (issue 4).
    VIEW_RISK = "risk.view"  # a pupil's flags, indicators, questionnaire results, decision log
    VIEW_RISK_COUNTS = "risk.view_counts"  # per-school counts of flagged pupils, no names
    DECIDE_FLAGS = "risk.decide"  # accept or dismiss a flag
    ASSESS = "risk.assess"  # fill or add to the semester risk questionnaire
    VIEW_SENSITIVE = "risk.view_sensitive"  # family and health items of the questionnaire
    MANAGE_CAPACITY = "risk.capacity"  # how many pupils the school can support this semester
    MANAGE_THRESHOLDS = "risk.thresholds"  # municipal overrides of rule thresholds
    MANAGE_INSTRUMENTS = "risk.instruments"  # new versions of the questionnaire
    VIEW_FAIRNESS = "risk.fairness"  # flag rates by gender and grade band, small cells suppressed
    VIEW_OUTBOX = "risk.outbox"  # notices sent to guardians and the municipality
    FOLLOW_ABSENCES = "risk.follow_absences"  # the municipality's follow-up of pupils over the absence threshold
    # Individual support (issue 5).
    VIEW_SUPPORT = "support.view"  # cases, plans, deliveries and reviews of pupils in scope
    MANAGE_CASES = "support.manage"  # open cases, team, contacts, consent, draft and submit plans
    # A case is changed by its team; these change it without a place on the team (class teachers:
    # their classes' cases; school coordinators: the school's). Decision 0022.
    CHANGE_ANY_CASE = "support.change_any_case"
    # Close and reopen cases, record consent withdrawals, take others off a team: the case lead
    # does it on their case; the school coordinator on any case of the school. Decision 0022.
    STEWARD_CASES = "support.steward_cases"
    APPROVE_AS_DIRECTOR = "support.approve_director"
    APPROVE_AS_MUNICIPALITY = "support.approve_municipality"
    APPROVE_AS_NATIONAL = "support.approve_national"
    DELIVER = "support.deliver"  # log consultations, compensations and items
    REVIEW_PLANS = "support.review"  # the semester review
    MANAGE_CATALOGUE = "support.catalogue"  # the national measure catalogue
    RECORD_LOW_INCOME = "support.low_income"  # low-income statuses from the social service
    # Money (issue 14).
    VIEW_FINANCE = "finance.view"  # budgets, commitments and spending of the institutions in scope
    MANAGE_BUDGETS = "finance.budgets"  # set budgets and move money between a municipality's schools
    MANAGE_RATES = "finance.rates"  # unit prices and caps: national, or municipal where allowed
    PREPARE_EXPENSES = "finance.prepare_expenses"  # assemble and submit the school's monthly expense report
    # The director and the municipality approve the monthly report with their plan-approval rights.
    # The register of institutions is national reference data: no role holds this; the server
    # operator's command line does (``pumpurs import institutions``).
    MANAGE_INSTITUTIONS = "people.manage_institutions"
    # Youth initiative projects (issue 16, activity 3). Evaluators are named per call, not by role.
    VIEW_YOUTH = "youth.view"  # calls, applications, decisions and reports of the municipality
    MANAGE_YOUTH = "youth.manage"  # run calls: open, enter applications, decide, approve reports
    # Trainings of the prevention system (issue 16, activity 2).
    VIEW_TRAININGS = "prevention.view_trainings"  # trainings open to one's school or municipality
    MANAGE_TRAININGS = "prevention.manage_trainings"  # organise: create, register anyone, mark attendance
    REGISTER_TRAINEES = "prevention.register"  # register the staff of one's school
    MANAGE_MATERIALS = "prevention.manage_materials"  # add materials and their new versions (all read them)
    # Monitoring (issue 15): counts and rates only, small cells hidden above school level.
    VIEW_DASHBOARD = "reporting.view_dashboard"  # the dashboards of the schools / municipalities in scope
    VIEW_INDICATORS = "reporting.view_indicators"  # the programme's indicator report and its exports
    VIEW_EFFECTS = "reporting.view_effects"  # outcomes, rule quality, fairness error rates, measure effects
