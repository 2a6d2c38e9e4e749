"""The audit trail as the data protection officer reads it. Anyone else gets 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.people.forms import PersonalCodeSearchForm
from pumpurs.people.listing import record_listed
from pumpurs.people.models import EmergencyAccess, User
from pumpurs.people.services import personal_code_lookup_hash
from pumpurs.privacy import openings, selectors
from pumpurs.privacy.subject_access import subject_access_export

OPENING_SALT = "privacy.dpo-opening"
DPO_OPENINGS_LIST = "dpo_openings"


class EventFilterForm(forms.Form):
    person = forms.CharField(label=_("Person (username)"), max_length=150, required=False)
    pupil = forms.UUIDField(
        label=_("Pupil (record identifier)"),
        required=False,
        help_text=_("The identifier at the end of the pupil's page address."),
    )
    action = forms.CharField(
        label=_("Action"),
        max_length=80,
        required=False,
        help_text=_("A code or its beginning, e.g. people.pupil or auth.login.failed."),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def event_filter(self) -> selectors.EventFilter:
        data = self.cleaned_data
        return selectors.EventFilter(
            person=data["person"].strip(),
            pupil=data["pupil"],
            action=data["action"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


@require_http_methods(["GET", "POST"])
def subject_access(request: HttpRequest) -> HttpResponse:
    """The DPO finds the pupil by personal code, sent by POST only (never in an address or a log),
    and downloads everything held about them. Anyone else: 404."""
    if not access.has_perm(request.user, Perm.EXPORT_SUBJECT):
        raise Http404
    form = PersonalCodeSearchForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        pupil = (
            access.pupils_visible_to(request.user, Perm.EXPORT_SUBJECT)
            .filter(personal_code_hash=personal_code_lookup_hash(form.cleaned_data["personal_code"]))
            .first()
        )
        if pupil is None:
            form.add_error("personal_code", gettext_now("No pupil with this personal code."))
        else:
            bundle = subject_access_export(
                actor=request_actor(request), pupil=pupil, ip_address=client_address(request)
            )
            response = HttpResponse(bundle, content_type="application/zip")
            # The file is named by the record's public id: the code stays out of names and logs.
            filename = f"subject-access-{pupil.public_id}-{timezone.localdate().isoformat()}.zip"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    return render(request, "privacy/subject_access.html", {"form": form})


@require_GET
def emergency_accesses(request: HttpRequest) -> HttpResponse:
    """Every break-the-glass opening, newest first, for the DPO's review (decision 0035)."""
    if not access.has_perm(request.user, Perm.VIEW_AUDIT):
        raise Http404
    openings = EmergencyAccess.objects.select_related("user", "pupil").order_by("-opened_at", "-id")
    page = Paginator(openings, 100).get_page(request.GET.get("page"))
    return render(request, "privacy/emergency_access_list.html", {"page": page, "now": timezone.now()})


class OpeningReviewForm(forms.Form):
    opening = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@require_http_methods(["GET", "POST"])
def dpo_openings(request: HttpRequest) -> HttpResponse:
    """The data protection officer's own openings, for the second reviewer (decision 0046): the
    list, and "Reviewed" on each. Anyone without ``Perm.REVIEW_DPO_OPENINGS``: 404. The opening
    travels in the form signed, never as a bare number."""
    if not isinstance(request.user, User) or not access.has_perm(request.user, Perm.REVIEW_DPO_OPENINGS):
        raise Http404
    openings_qs = openings.dpo_openings_for_review(request.user)
    if request.method == "POST":
        form = OpeningReviewForm(request.POST)
        if form.is_valid():
            try:
                pk = signing.loads(form.cleaned_data["opening"], salt=OPENING_SALT)
            except signing.BadSignature:
                raise Http404 from None
            opening = get_object_or_404(openings_qs, pk=pk)
            try:
                openings.opening_review(
                    actor=request.user,
                    opening=opening,
                    note=form.cleaned_data["note"],
                    ip_address=client_address(request),
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, gettext_now("Marked as reviewed."))
            return redirect("dpo_openings")
    page = Paginator(openings_qs, 100).get_page(request.GET.get("page"))
    rows = [(a, signing.dumps(a.pk, salt=OPENING_SALT)) for a in page.object_list]
    record_listed(request, list_code=DPO_OPENINGS_LIST, pupil_ids=[a.pupil_id for a in page.object_list])
    return render(request, "privacy/dpo_openings.html", {"page": page, "rows": rows, "now": timezone.now()})


@require_GET
def audit_events(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_AUDIT):
        raise Http404
    form = EventFilterForm(request.GET)
    page = None
    if form.is_valid():
        page = selectors.audit_event_page(request.user, form.event_filter(), number=form.cleaned_data["page"] or 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/audit_event_list.html", {"form": form, "page": page, "query": query.urlencode()})
