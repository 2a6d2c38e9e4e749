"""Read side of a pupil's history and of what is overdue (issue 5, items 6 and 8).

``pupil_timeline`` puts flags, decisions, questionnaires, cases, plan transitions, deliveries,
notices, consents, contacts and reviews in one list, newest first. It is set-based: one query per
source, each limited to the ``limit + 1`` newest rows, merged in Python — so the number of
queries does not grow with the pupil's history. What a reader sees follows ``people.access``:
risk entries need ``Perm.VIEW_RISK``, support entries ``Perm.VIEW_SUPPORT``, and sensitive notes
(health, family) ``Perm.VIEW_SENSITIVE``; without it a sensitive note shows only its date and
author.

``overdue_reviews`` lists the plans whose semester ended more than ``PUMPURS_REVIEW_GRACE_DAYS``
ago and are still not reviewed, and remote consultations the pupil has not confirmed in time.
"""

from pumpurs.support.timeline.entries import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    RISK_NOTICE_KINDS,
    SUPPORT_NOTICE_KINDS,
    Entry,
    Timeline,
    clamp_limit,
    pupil_timeline,
)
from pumpurs.support.timeline.links import case_url, plan_url
from pumpurs.support.timeline.overdue import Overdue, overdue_plans, overdue_reviews

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "RISK_NOTICE_KINDS",
    "SUPPORT_NOTICE_KINDS",
    "Entry",
    "Overdue",
    "Timeline",
    "case_url",
    "clamp_limit",
    "overdue_plans",
    "overdue_reviews",
    "plan_url",
    "pupil_timeline",
]
