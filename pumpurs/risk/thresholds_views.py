"""The municipality coordinator's page of rule thresholds."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.models import Municipality
from pumpurs.risk.thresholds import threshold_clear, threshold_set, thresholds_of


def thresholds(request: HttpRequest, public_id: str) -> HttpResponse:
    municipality = get_object_or_404(
        access.municipalities_visible_to(request.user, Perm.MANAGE_THRESHOLDS), public_id=public_id
    )
    if request.method == "POST":
        rule = request.POST.get("rule", "")
        try:
            if request.POST.get("clear"):
                threshold_clear(actor=request_actor(request), municipality=municipality, rule=rule)
                messages.success(request, _("The national default applies again."))
            else:
                threshold_set(
                    actor=request_actor(request),
                    municipality=municipality,
                    rule=rule,
                    value=request.POST.get("value", ""),
                )
                messages.success(request, _("Threshold saved; flags follow at the next refresh."))
        except ValidationError as exc:
            # The refusal is shown next to the field with what was typed, and in the summary above.
            refused = ThresholdForm({"value": request.POST.get("value", "")}, auto_id=f"{rule}-%s")
            refused.add_error("value", exc.messages[0])
            return _page(request, municipality, refused=refused, refused_rule=rule, status=400)
        return redirect("risk_thresholds", public_id=municipality.public_id)
    if request.method != "GET":
        raise Http404
    return _page(request, municipality)


class ThresholdForm(forms.Form):
    """Only to carry a refused value and its error back to the page (the service validates)."""

    value = forms.CharField(label=_("Threshold"), required=False)


def _page(
    request: HttpRequest,
    municipality: Municipality,
    *,
    refused: ThresholdForm | None = None,
    refused_rule: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "municipality": municipality,
        "rows": thresholds_of(municipality),
        "form": refused,
        "refused_rule": refused_rule,
    }
    return render(request, "risk/thresholds.html", context, status=status)
