"""A pupil's erasure (right to erasure, GDPR art. 17; issue 17, decision 0040): the data protection
officer removes one pupil's record, with a reason, after a confirmation step.

Where no public money rests on the record, the pupil goes with everything that hangs on them
(``Pupil`` cascades). Where it does — a delivery, a commitment, hence expense lines and the
delivered-cents rollup — the rows that prove where each euro went stay and the pupil is
pseudonymised instead (decision 0033): names, personal code, birth day and gender, guardians,
enrolments, consents, flags, questionnaires, indicators, notices, journal facts go; the cases' free text
and files are cleared (``support.retention.cases_pseudonymise``), and any remaining free text
(every ``TextField`` of every record still linked to the pupil: fail closed for kinds added later)
is emptied. Amounts, quantities, days, measures and schools are untouched, so every total stays.

The audit events about the pupil are scrubbed by their registered scrubbers, never deleted
(``audit_scrub``), so ``pumpurs audit verify`` still passes; the erasure itself is one event
(``privacy.pupil.erased``) with the reason and the counts.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.identity import AuditActor
from pumpurs.audit.services import audit_record, audit_scrub
from pumpurs.core import crypto
from pumpurs.core.retention import reverse_relations, unprotected
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Pupil
from pumpurs.privacy.subject_access import collect
from pumpurs.support.models import Case, Consent
from pumpurs.support.retention import cases_pseudonymise, cases_with_money

ERASED = "privacy.pupil.erased"
# A pseudonymised pupil's code hash: never a hex HMAC, so no code typed later can find them.
ERASED_PREFIX = "erased:"
REASON_MIN = 10


class Mode:
    DELETED = "deleted"
    PSEUDONYMISED = "pseudonymised"


@dataclass(frozen=True)
class ErasurePreview:
    pupil: Pupil
    records: int  # everything held about them (as the subject-access export counts it)
    cases: int
    money: bool  # public money rests on the record: pseudonymised, not deleted

    @property
    def mode(self) -> str:
        return Mode.PSEUDONYMISED if self.money else Mode.DELETED


@dataclass(frozen=True)
class ErasureResult:
    mode: str
    records: int
    events: int


def is_erased(pupil: Pupil) -> bool:
    return pupil.personal_code_hash.startswith(ERASED_PREFIX)


def erasure_preview(pupil: Pupil) -> ErasurePreview:
    """What ``pupil_erase`` would do to ``pupil``. Reads only."""
    cases = Case.objects.filter(pupil=pupil)
    return ErasurePreview(
        pupil=pupil,
        records=sum(len(kind.objects) for kind in collect(pupil)),
        cases=cases.count(),
        money=cases.filter(cases_with_money()).exists(),
    )


def _free_text_clear(pupil: Pupil) -> None:
    """Empty every text field of every record still linked to the pupil: one UPDATE per model."""
    for kind in collect(pupil):
        if kind.model is Pupil:
            continue
        texts = [f.name for f in kind.model._meta.concrete_fields if isinstance(f, models.TextField)]
        if texts:
            kind.model._default_manager.filter(pk__in=[o.pk for o in kind.objects]).update(**dict.fromkeys(texts, ""))


def _pseudonymise(pupil: Pupil, *, now: dt.datetime) -> None:
    cases_pseudonymise(Case.objects.filter(pupil=pupil).values_list("pk", flat=True), now=now)
    # A consent names the guardian who gave it; with the guardians gone it goes too (its scan went
    # above). The trail keeps, scrubbed, that and when it was recorded.
    Consent.objects.filter(case__pupil=pupil).delete()
    for relation in reverse_relations(Pupil):
        related = relation.related_model
        assert isinstance(related, type)
        if related is Case or not (relation.one_to_many or relation.one_to_one):
            continue
        unprotected(related._default_manager.filter(**{relation.field.name: pupil})).delete()
    _free_text_clear(pupil)
    Pupil.objects.filter(pk=pupil.pk).update(
        first_name="—",
        last_name=pupil.public_id.hex[:8],
        birth_date=dt.date(pupil.birth_date.year, 1, 1),
        gender=Pupil.Gender.UNKNOWN,
        personal_code_hash=f"{ERASED_PREFIX}{uuid.uuid4().hex}",
        personal_code_encrypted=crypto.encrypt(""),
        updated_at=now,
    )


def _refuse_reason(reason: str) -> None:
    if len(reason.strip()) < REASON_MIN:
        raise ValidationError(
            {"reason": _("Say why, in at least %(n)s characters (the request, its date).") % {"n": REASON_MIN}}
        )


@transaction.atomic
def pupil_erase(
    *, actor: AuditActor, pupil: Pupil, reason: str, ip_address: str | None = None, now: dt.datetime | None = None
) -> ErasureResult:
    """Erase ``pupil``'s record as the module says. Only a holder of ``Perm.ERASE_PUPIL`` over
    the pupil (the data protection officer); a reason of at least ten characters; never twice.
    One transaction: a refusal or a failure changes nothing."""
    now = now or timezone.now()
    visible = access.pupils_visible_to(actor, Perm.ERASE_PUPIL)  # type: ignore[arg-type]  # system actors are refused by scope
    if not visible.filter(pk=pupil.pk).exists():
        raise PermissionDenied(_("You may not do this for this pupil."))
    _refuse_reason(reason)
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    if is_erased(pupil):
        raise ValidationError(_("This pupil's record has already been erased."))
    preview, pupil_pk = erasure_preview(pupil), pupil.pk  # delete() clears the instance's pk
    events = audit_scrub(pupil_ids=[pupil_pk], now=now)
    mode = preview.mode
    if preview.money:
        _pseudonymise(pupil, now=now)
    else:
        cases_pseudonymise(Case.objects.filter(pupil=pupil).values_list("pk", flat=True), now=now)  # files
        try:
            with transaction.atomic():
                pupil.delete()
        except ProtectedError:
            # Something another app protects hangs on the record (found before any row is deleted):
            # keep the rows, without the person.
            mode = Mode.PSEUDONYMISED
            _pseudonymise(pupil, now=now)
    data: dict[str, Any] = {
        "mode": mode,
        "reason": reason.strip(),
        "records": preview.records,
        "events": events,
    }
    audit_record(actor=actor, action=ERASED, pupil_id=pupil_pk, data=data, ip_address=ip_address)
    return ErasureResult(mode=mode, records=preview.records, events=events)
