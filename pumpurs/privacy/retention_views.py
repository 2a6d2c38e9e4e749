"""The data protection officer's retention and erasure pages (decision 0040). Anyone else: 404.

``/privacy/retention/`` shows what retention would do today (the dry run) and starts an erasure:
the personal code is POSTed (never in an address), the next page shows what the erasure would do
and asks for the reason and a confirmation, carried by a signed token that names the pupil, the
officer and expires after a quarter of an hour."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.people.forms import PersonalCodeSearchForm
from pumpurs.people.models import Pupil
from pumpurs.people.services import personal_code_lookup_hash
from pumpurs.privacy.erasure import erasure_preview, is_erased, pupil_erase
from pumpurs.privacy.retention import retention_plan

TOKEN_SALT = "pupil-erasure-confirmation"  # noqa: S105 — a signing salt (a namespace), not a secret
TOKEN_SECONDS = 15 * 60


class ErasureConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The request and its date, e.g. “Request of the pupil's mother of 3 May, no. 12”. No names."),
    )
    confirm = forms.BooleanField(label=_("I understand that the erasure cannot be undone."))


def _officer(request: HttpRequest) -> None:
    if not access.has_perm(request.user, Perm.ERASE_PUPIL):
        raise Http404


def _pupil_of(request: HttpRequest, token: str) -> Pupil | None:
    try:
        claim = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_SECONDS)
    except signing.BadSignature:
        return None
    if claim.get("by") != request.user.pk:
        return None
    return access.pupils_visible_to(request.user, Perm.ERASE_PUPIL).filter(public_id=claim.get("pupil")).first()


@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    _officer(request)
    plan = retention_plan(now=timezone.now())
    return render(request, "privacy/retention.html", {"plan": plan, "form": PersonalCodeSearchForm()})


def _confirm_page(request: HttpRequest, pupil: Pupil, form: ErasureConfirmForm) -> HttpResponse:
    return render(request, "privacy/erasure_confirm.html", {"preview": erasure_preview(pupil), "form": form})


@require_POST
def erasure(request: HttpRequest) -> HttpResponse:
    _officer(request)
    if "token" in request.POST:
        return _erasure_confirmed(request)
    form = PersonalCodeSearchForm(request.POST)
    if form.is_valid():
        code_hash = personal_code_lookup_hash(form.cleaned_data["personal_code"])
        pupil = access.pupils_visible_to(request.user, Perm.ERASE_PUPIL).filter(personal_code_hash=code_hash).first()
        if pupil is not None and not is_erased(pupil):
            token = signing.dumps({"pupil": str(pupil.public_id), "by": request.user.pk}, salt=TOKEN_SALT)
            return _confirm_page(request, pupil, ErasureConfirmForm(initial={"token": token}))
        form.add_error("personal_code", gettext_now("No pupil with this personal code."))
    plan = retention_plan(now=timezone.now())
    return render(request, "privacy/retention.html", {"plan": plan, "form": form}, status=400)


def _erasure_confirmed(request: HttpRequest) -> HttpResponse:
    form = ErasureConfirmForm(request.POST)
    pupil = _pupil_of(request, request.POST.get("token", ""))
    if pupil is None or is_erased(pupil):
        messages.error(request, gettext_now("The confirmation has expired or names no pupil: start again."))
        return redirect("retention")
    if form.is_valid():
        try:
            result = pupil_erase(
                actor=request_actor(request),
                pupil=pupil,
                reason=form.cleaned_data["reason"],
                ip_address=client_address(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = {
                "deleted": gettext_now("The pupil's record was erased."),
                "pseudonymised": gettext_now(
                    "The pupil's record was pseudonymised: public money rests on it, so the amounts stay without a name."
                ),
            }
            messages.success(request, done[result.mode])
            return redirect("retention")
    return _confirm_page(request, pupil, form)
