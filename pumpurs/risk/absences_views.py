"""The municipality coordinator's follow-up of one pupil over the absence threshold (risk/absences.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pumpurs.audit.services import record_view
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.people.calendar import semester_on
from pumpurs.people.models import User
from pumpurs.people.work import pupil_school
from pumpurs.risk.absences import absence_follow_up_set, owners_for, pupils_over_threshold
from pumpurs.risk.models import AbsenceFollowUp


class OwnerField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.first_name} {obj.last_name}"


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=AbsenceFollowUp.Status.choices)
    owner = OwnerField(label=gettext_lazy("Owner"), queryset=User.objects.none(), required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args: object, owners: QuerySet[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        owner = self.fields["owner"]
        assert isinstance(owner, OwnerField)
        owner.queryset = owners


@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, public_id: UUID) -> HttpResponse:
    today = timezone.localdate()
    period = semester_on(today)
    pupils = pupils_over_threshold(request.user, today, include_done=True).annotate(
        school_name=pupil_school(OuterRef("pk"), today)
    )
    pupil: Any = pupils.filter(public_id=public_id).first()  # annotated with the follow-up
    if pupil is None or period is None:
        raise Http404
    current = AbsenceFollowUp.objects.filter(pupil=pupil, period=period).first()
    owners = owners_for(pupil, today)
    initial = {
        "status": pupil.follow_status,
        "owner": current.owner_id if current else request.user.pk,
        "note": current.note if current else "",
    }
    form = FollowUpForm(request.POST or None, owners=owners, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            absence_follow_up_set(
                actor=request_actor(request),
                pupil=pupil,
                period=period,
                status=form.cleaned_data["status"],
                owner=form.cleaned_data["owner"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
        else:
            messages.success(request, _("The follow-up is saved."))
            return redirect("work_list", code="absences")
    record_view(actor=request_actor(request), pupil_id=pupil.pk, target=pupil, ip_address=client_address(request))
    context = {"pupil": pupil, "period": period, "form": form, "current": current}
    return render(request, "risk/absence_follow_up.html", context)
