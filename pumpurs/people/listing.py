"""Who saw which pupils on a list (issue 17, low items): the class list, the watch list, the case
list and the name search each record one audit event per page shown, naming the pupils on it.

One event per page view, not one per pupil: the ids go into the event's data (``pupils``), so a
page of 50 costs one row of the trail, and the data protection officer's view of one pupil's trail
finds the lists that showed them (``privacy.selectors``). "Mani darbi" lists keep their own
one-event-per-pupil record (``people.work.listed``), which came first.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address

LISTED = "people.pupils.listed"
# The lists that record what they showed, by the code their events carry in ``data["list"]``.
CLASS_LIST = "class"
WATCH_LIST = "watch"
CASE_LIST = "cases"
NAME_SEARCH = "search"


def record_listed(request: HttpRequest, *, list_code: str, pupil_ids: Iterable[int]) -> None:
    """Record that the person behind ``request`` was shown these pupils on the list ``list_code``.
    Nothing is written for a page that names nobody."""
    ids = sorted(set(pupil_ids))
    if not ids:
        return
    with transaction.atomic():
        audit_record(
            actor=request_actor(request),
            action=LISTED,
            data={"list": list_code, "count": len(ids), "pupils": ids},
            ip_address=client_address(request),
        )
