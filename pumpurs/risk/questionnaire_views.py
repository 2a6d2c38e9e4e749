"""Pages of the semester risk questionnaire: parse, fetch through access, call a service, render.

A pupil outside the reader's scope answers 404 like an unknown one. Reading needs
``Perm.VIEW_RISK``; filling needs ``Perm.ASSESS``; family and health items are not rendered at all
without ``Perm.VIEW_SENSITIVE`` (hidden, not disabled), nor are those groups' shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pumpurs.audit.services import record_view
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.people.calendar import CalendarDay, calendar_on
from pumpurs.people.models import Pupil
from pumpurs.risk import questionnaire as q
from pumpurs.risk.models import Assessment, AssessmentAnswer, Instrument, InstrumentItem, RiskGroup
from pumpurs.risk.questionnaire_forms import NEW, InstrumentVersionForm, QuestionnaireForm


@dataclass(frozen=True)
class GroupShare:
    label: str
    share: Decimal | None  # None: hidden from this reader (sensitive group)


@dataclass(frozen=True)
class Result:
    assessment: Assessment
    level_label: str
    groups: list[GroupShare]


@dataclass(frozen=True)
class Row:
    item: InstrumentItem
    answer: BoundField
    comment: BoundField
    given: AssessmentAnswer | None


def _result(assessment: Assessment, *, may_sensitive: bool, hidden_groups: set[str]) -> Result:
    shares = q.group_shares(assessment)
    groups = [
        GroupShare(capfirst(str(RiskGroup(g).label)), None if g in hidden_groups and not may_sensitive else shares[g])
        for g in RiskGroup.values
        if g in shares
    ]
    return Result(assessment, assessment.get_level_display(), groups)


def _results(assessments: list[Assessment], *, may_sensitive: bool) -> list[Result]:
    hidden: dict[int, set[str]] = {}
    out = []
    for a in assessments:
        if a.instrument_id not in hidden:
            hidden[a.instrument_id] = q.sensitive_groups(a.instrument)
        out.append(_result(a, may_sensitive=may_sensitive, hidden_groups=hidden[a.instrument_id]))
    return out


def _items(instrument: Instrument, *, may_sensitive: bool) -> list[InstrumentItem]:
    items = instrument.items.all()
    return list(items if may_sensitive else items.filter(sensitive=False))


def _grouped(form: QuestionnaireForm, given: dict[str, AssessmentAnswer]) -> list[tuple[str, list[Row]]]:
    groups: dict[str, list[Row]] = {}
    for item in form.items:
        row = Row(item, form[f"answer_{item.code}"], form[f"comment_{item.code}"], given.get(item.code))
        groups.setdefault(item.group, []).append(row)
    return [(capfirst(str(RiskGroup(g).label)), groups[g]) for g in RiskGroup.values if g in groups]


def _seen(assessment: Assessment | None) -> str:
    return assessment.updated_at.isoformat() if assessment is not None else NEW


@require_http_methods(["GET", "POST"])
def questionnaire_pupil(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """This semester's questionnaire of one pupil (form or result) and the earlier results."""
    pupil = get_object_or_404(access.pupils_visible_to(request.user, Perm.VIEW_RISK), public_id=public_id)
    may_assess = access.can_see_pupil(request.user, pupil, Perm.ASSESS)
    if request.method == "POST" and not may_assess:
        raise Http404
    calendar = calendar_on(timezone.localdate())
    period = calendar.semester
    assessment = q.assessment_for(pupil, period) if period else None
    form, status = None, 200
    if request.method == "POST":
        if period is None:
            raise Http404
        outcome = _post(request, pupil, assessment)
        if isinstance(outcome, HttpResponse):
            return outcome
        form, status = outcome
        assessment = q.assessment_for(pupil, period)
    else:
        record_view(actor=request_actor(request), pupil_id=pupil.pk, target=pupil, ip_address=client_address(request))
    return render(
        request, "risk/questionnaire/pupil.html", _context(request, pupil, calendar, assessment, form), status=status
    )


def _post(
    request: HttpRequest, pupil: Pupil, assessment: Assessment | None
) -> HttpResponse | tuple[QuestionnaireForm | None, int]:
    may_sensitive = access.can_see_pupil(request.user, pupil, Perm.VIEW_SENSITIVE)
    action = request.POST.get("action", "save")
    instrument = assessment.instrument if assessment else q.default_instrument()
    form = QuestionnaireForm(request.POST, items=_items(instrument, may_sensitive=may_sensitive))
    if not form.is_valid():
        return form, 400
    seen = form.seen_at()
    try:
        if seen is None and assessment is not None:
            # Loaded before anyone had started this semester's questionnaire; someone has since.
            raise q.AssessmentConflict(
                _("Someone else saved this questionnaire after you opened it. Nothing was saved.")
            )
        if action in ("reopen", "new_version"):
            if assessment is None:
                raise Http404
            if action == "reopen":
                q.assessment_reopen(actor=request_actor(request), assessment=assessment, expected_updated_at=seen)
                messages.success(request, _("The questionnaire is open for changes again."))
            else:
                q.assessment_new_version(actor=request_actor(request), assessment=assessment)
                messages.success(
                    request, _("A new assessment is started from the earlier answers; the earlier result is kept.")
                )
        else:
            assessment = assessment or q.assessment_start(actor=request_actor(request), pupil=pupil)
            if action == "submit":
                try:
                    q.assessment_submit(
                        actor=request_actor(request),
                        assessment=assessment,
                        answers=form.answers(),
                        expected_updated_at=seen,
                        unanswered_confirmed=bool(request.POST.get("unanswered_confirmed")),
                    )
                except ValidationError as error:
                    if error.code != "unanswered":
                        raise
                    # Keep what was answered, then ask: the page says how many are missing.
                    q.assessment_save(
                        actor=request_actor(request),
                        assessment=assessment,
                        answers=form.answers(),
                        expected_updated_at=seen,
                    )
                    return redirect(reverse("questionnaire_pupil", args=[pupil.public_id]) + "?confirm=submit")
                messages.success(request, _("The questionnaire is submitted."))
            else:
                q.assessment_save(
                    actor=request_actor(request),
                    assessment=assessment,
                    answers=form.answers(),
                    expected_updated_at=seen,
                )
                messages.success(request, _("The draft is saved."))
    except PermissionDenied:
        raise Http404 from None
    except q.AssessmentConflict as error:
        for text in error.messages:
            messages.error(request, text)
        # Show what is stored now, not what was posted: the reader redoes their change on it.
        return None, 409
    except ValidationError as error:
        # Any other refusal keeps what was typed, with the reasons in the error summary.
        form.add_error(None, error.messages)
        return form, 400
    return redirect("questionnaire_pupil", public_id=pupil.public_id)


def _context(
    request: HttpRequest,
    pupil: Pupil,
    calendar: CalendarDay,
    assessment: Assessment | None,
    form: QuestionnaireForm | None,
) -> dict[str, Any]:
    user, period = request.user, calendar.semester
    may_assess = access.can_see_pupil(user, pupil, Perm.ASSESS)
    may_sensitive = access.can_see_pupil(user, pupil, Perm.VIEW_SENSITIVE)
    instrument = assessment.instrument if assessment else q.default_instrument()
    given = q.answers_of(assessment) if assessment else {}
    editable = (
        may_assess and period is not None and (assessment is None or assessment.status == Assessment.Status.DRAFT)
    )
    if editable and form is None:
        items = _items(instrument, may_sensitive=may_sensitive)
        form = QuestionnaireForm(initial=QuestionnaireForm.initial_for(given, _seen(assessment)), items=items)
    submitted = assessment is not None and assessment.status == Assessment.Status.SUBMITTED
    history = [a for a in q.assessment_history(pupil) if assessment is None or a.pk != assessment.pk]
    return {
        "pupil": pupil,
        "period": period,
        "calendar": calendar,
        "assessment": assessment,
        "instrument": instrument,
        "form": form if editable else None,
        "groups": _grouped(form, given) if editable and form is not None else [],
        "seen": _seen(assessment),
        "result": _results([assessment], may_sensitive=may_sensitive)[0] if submitted and assessment else None,
        "history": _results(history, may_sensitive=may_sensitive),
        "may_assess": may_assess,
        "may_sensitive": may_sensitive,
        "answered_count": len(given),
        # After a submission with unanswered items: how many, for the confirmation box.
        "confirm_unanswered": (
            q.unanswered_count(assessment)
            if editable and assessment is not None and request.GET.get("confirm") == "submit"
            else 0
        ),
    }


@require_GET
def questionnaire_assessment(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One assessment as it was answered: result (if submitted) and the answers the reader may see."""
    assessment = get_object_or_404(
        Assessment.objects.filter(pupil__in=access.pupils_visible_to(request.user, Perm.VIEW_RISK)).select_related(
            "pupil", "instrument", "period__school_year", "created_by"
        ),
        public_id=public_id,
    )
    pupil = assessment.pupil
    record_view(actor=request_actor(request), pupil_id=pupil.pk, target=assessment, ip_address=client_address(request))
    may_sensitive = access.can_see_pupil(request.user, pupil, Perm.VIEW_SENSITIVE)
    given = q.answers_of(assessment)
    groups: dict[str, list[tuple[InstrumentItem, AssessmentAnswer | None]]] = {}
    for item in _items(assessment.instrument, may_sensitive=may_sensitive):
        groups.setdefault(item.group, []).append((item, given.get(item.code)))
    submitted = assessment.status == Assessment.Status.SUBMITTED
    context = {
        "assessment": assessment,
        "pupil": pupil,
        "instrument": assessment.instrument,
        "result": _results([assessment], may_sensitive=may_sensitive)[0] if submitted else None,
        "groups": [(capfirst(str(RiskGroup(g).label)), groups[g]) for g in RiskGroup.values if g in groups],
        "may_sensitive": may_sensitive,
    }
    return render(request, "risk/questionnaire/assessment.html", context)


@require_GET
def questionnaire_instrument_list(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.MANAGE_INSTRUMENTS):
        raise Http404
    instruments = Instrument.objects.order_by("code", "-version")
    return render(request, "risk/questionnaire/instrument_list.html", {"instruments": instruments})


@require_http_methods(["GET", "POST"])
def questionnaire_instrument_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """An instrument's items; on the active version, a form that makes the next version."""
    if not access.has_perm(request.user, Perm.MANAGE_INSTRUMENTS):
        raise Http404
    instrument = get_object_or_404(Instrument, public_id=public_id)
    form = InstrumentVersionForm(request.POST or None, instrument=instrument) if instrument.is_active else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                new = q.instrument_new_version(
                    actor=request_actor(request), instrument=instrument, **_version_changes(form)
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Version %(version)s is now in use.") % {"version": new.version})
                return redirect("questionnaire_instrument_detail", public_id=new.public_id)
    context = {
        "instrument": instrument,
        "groups": [
            (capfirst(str(RiskGroup(g).label)), [i for i in instrument.items.all() if i.group == g])
            for g in RiskGroup.values
        ],
        "form": form,
        "used": q.instrument_is_used(instrument),
    }
    return render(
        request, "risk/questionnaire/instrument_detail.html", context, status=400 if form and form.errors else 200
    )


def _version_changes(form: InstrumentVersionForm) -> dict[str, Any]:
    data = form.cleaned_data
    changes = {}
    for item in form.items:
        text, weight = data[f"text_{item.code}"].strip(), data[f"weight_{item.code}"]
        if text != item.text or weight != item.weight:
            changes[item.code] = q.ItemChange(text=text, weight=weight)
    return {
        "low_from": data["low_from"],
        "medium_from": data["medium_from"],
        "high_from": data["high_from"],
        "item_changes": changes,
    }
