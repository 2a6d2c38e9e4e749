"""Staff pages (issue 12): lists per school, per municipality and of the national roles; the
invitation, grant and revoke forms; class teachers; deactivation with a confirmation step; and the
invitation link itself. Parse, fetch through access, call ``people.staff``, redirect. A place or
person outside the reader's scope answers 404, like one that does not exist."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pumpurs.people import access, selectors, staff
from pumpurs.people.actors import request_actor
from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import ClassGroup, Institution, Municipality, Role, RoleGrant, User
from pumpurs.people.staff_forms import ClassTeacherForm, InviteForm, PhoneForm, RoleForm

Place = Institution | Municipality | None  # None: the whole country (the national roles)


def _place(request: HttpRequest, kind: str, public_id: UUID | None) -> Place:
    if kind == "school":
        return get_object_or_404(access.staff_institutions_of(request.user), public_id=public_id)
    if kind == "municipality":
        return get_object_or_404(access.staff_municipalities_of(request.user), public_id=public_id)
    if kind == "national" and access.is_national(request.user, access.Perm.MANAGE_STAFF):
        return None
    raise Http404


def _scope(place: Place) -> tuple[Institution | None, Municipality | None]:
    """The place as the services' ``institution`` and ``municipality`` arguments."""
    if isinstance(place, Institution):
        return place, None
    return None, place


def _place_name(place: Place) -> str:
    return str(place) if place is not None else _("national roles")


def _roles_at(request: HttpRequest, place: Place) -> list[str]:
    institution, municipality = _scope(place)
    return [
        r for r in Role.values if access.may_grant(request.user, r, institution=institution, municipality=municipality)
    ]


def _list_url(place: Place) -> str:
    if isinstance(place, Institution):
        return reverse("staff_school", args=[place.public_id])
    if isinstance(place, Municipality):
        return reverse("staff_municipality", args=[place.public_id])
    return reverse("staff_national")


def _invite_url(place: Place) -> str:
    if isinstance(place, Institution):
        return reverse("staff_school_invite", args=[place.public_id])
    if isinstance(place, Municipality):
        return reverse("staff_municipality_invite", args=[place.public_id])
    return reverse("staff_national_invite")


@require_http_methods(["GET"])
def staff_index(request: HttpRequest) -> HttpResponse:
    context = {
        "national": access.is_national(request.user, access.Perm.MANAGE_STAFF),
        "municipalities": list(access.staff_municipalities_of(request.user)),
        "schools": list(access.staff_institutions_of(request.user).select_related("municipality")),
    }
    if not any(context.values()):
        raise Http404
    return render(request, "people/staff/index.html", context)


@require_http_methods(["GET"])
def staff_list(request: HttpRequest, kind: str, public_id: UUID | None = None) -> HttpResponse:
    place = _place(request, kind, public_id)
    institution, municipality = _scope(place)
    rows = selectors.staff_rows(institution=institution, municipality=municipality)
    manageable = set(
        access.grants_manageable_by(request.user).filter(pk__in=[g.pk for g in rows]).values_list("pk", flat=True)
    )
    context: dict[str, object] = {
        "place": place,
        "place_name": _place_name(place),
        "kind": kind,
        "rows": rows,
        "manageable": manageable,
        "invite_url": _invite_url(place) if _roles_at(request, place) else "",
    }
    if isinstance(place, Institution):
        year = school_year_on(timezone.localdate())
        context["classes"] = place.class_groups.filter(school_year=year).select_related("class_teacher")
        context["can_set_teacher"] = access.may_grant(request.user, Role.CLASS_TEACHER, institution=place)
    return render(request, "people/staff/list.html", context)


@require_http_methods(["GET", "POST"])
def staff_invite(request: HttpRequest, kind: str, public_id: UUID | None = None) -> HttpResponse:
    place = _place(request, kind, public_id)
    institution, municipality = _scope(place)
    roles = _roles_at(request, place)
    if not roles:
        raise Http404
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff.staff_invite(
                actor=request_actor(request), **form.cleaned_data, institution=institution, municipality=municipality
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            done = _("%(name)s is invited: the link is on its way to %(email)s.")
            messages.success(request, done % {"name": user, "email": user.email})
            return redirect(_list_url(place))
    context = {
        "place_name": _place_name(place),
        "list_url": _list_url(place),
        "form": form,
        "days": settings.PUMPURS_INVITATION_DAYS,
    }
    return render(request, "people/staff/invite.html", context, status=400 if form.errors else 200)


def _person(request: HttpRequest, public_id: UUID) -> User:
    return get_object_or_404(access.staff_visible_to(request.user), public_id=public_id)


def _places_of(request: HttpRequest) -> dict[str, Place]:
    """The places where the reader may give some role, keyed as the grant form names them."""
    places: dict[str, Place] = {}
    if access.is_national(request.user, access.Perm.MANAGE_STAFF):
        places["national"] = None
    for municipality in access.staff_municipalities_of(request.user):
        places[f"municipality:{municipality.public_id}"] = municipality
    for school in access.staff_institutions_of(request.user):
        places[f"school:{school.public_id}"] = school
    return {key: place for key, place in places.items() if _roles_at(request, place)}


@require_http_methods(["GET", "POST"])
def staff_person(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One person: the roles the reader manages, a role to add, the way to deactivation."""
    person = _person(request, public_id)
    places = _places_of(request)
    grantable = sorted({role for place in places.values() for role in _roles_at(request, place)}, key=Role.values.index)
    form = RoleForm(request.POST or None, roles=grantable, places=places)
    if request.method == "POST" and form.is_valid():
        institution, municipality = _scope(places[form.cleaned_data["place"]])
        try:
            staff.role_grant_create(
                actor=request_actor(request),
                user=person,
                role=form.cleaned_data["role"],
                specialist_kind=form.cleaned_data["specialist_kind"],
                institution=institution,
                municipality=municipality,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied:
            form.add_error("role", _("You may not give this role there."))
        else:
            messages.success(request, _("The role is granted."))
            return redirect(request.path)
    grants = access.grants_manageable_by(request.user).filter(user=person).select_related("institution", "municipality")
    context = {"person": person, "grants": grants, "form": form, "phone": staff.phone_text(person.phone)}
    return render(request, "people/staff/person.html", context, status=400 if form.errors else 200)


@require_POST
def staff_grant_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    person = _person(request, public_id)
    places = _places_of(request)
    if request.POST.get("place", "") not in places:
        raise Http404
    institution, municipality = _scope(places[request.POST["place"]])
    grant: RoleGrant = get_object_or_404(
        access.grants_manageable_by(request.user).filter(user=person),
        role=request.POST.get("role", ""),
        specialist_kind=request.POST.get("specialist_kind", ""),
        institution=institution,
        municipality=municipality,
    )
    try:
        staff.role_grant_revoke(actor=request_actor(request), grant=grant)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The role is revoked."))
    return redirect("staff_person", public_id=person.public_id)


@require_http_methods(["GET", "POST"])
def staff_deactivate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A confirmation page first; the POST deactivates (or, for someone who left, reactivates)."""
    person = _person(request, public_id)
    if request.method == "POST":
        service = staff.staff_deactivate if person.is_active else staff.staff_reactivate
        try:
            service(actor=request_actor(request), user=person)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
        return redirect("staff_person", public_id=person.public_id)
    return render(request, "people/staff/deactivate.html", {"person": person})


@require_http_methods(["GET", "POST"])
def staff_phone(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A work phone: one's own, or of someone whose account the reader manages (else 404). A
    refused number is shown again as typed, beside the reason (status 400)."""
    own = request.user.is_authenticated and request.user.public_id == public_id
    person = request.user if own else _person(request, public_id)
    assert isinstance(person, User)
    form = PhoneForm(request.POST or None, initial={"phone": staff.phone_text(person.phone)})
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_phone_set(actor=request_actor(request), user=person, phone=form.cleaned_data["phone"])
        except ValidationError as exc:
            form.add_error("phone", exc)
        else:
            messages.success(request, _("The phone number is saved."))
            return redirect("staff_person", public_id=person.public_id) if not own else redirect(request.path)
    status = 400 if form.errors else 200
    return render(request, "people/staff/phone.html", {"person": person, "own": own, "form": form}, status=status)


@require_POST
def staff_reinvite(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A new set-password link for someone who has not used theirs; the old one stops working."""
    person = _person(request, public_id)
    try:
        staff.staff_reinvite(actor=request_actor(request), user=person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A new invitation is on its way to %(email)s.") % {"email": person.email})
    return redirect("staff_person", public_id=person.public_id)


@require_http_methods(["GET", "POST"])
def class_teacher(request: HttpRequest, public_id: UUID) -> HttpResponse:
    schools = [
        s
        for s in access.staff_institutions_of(request.user)
        if access.may_grant(request.user, Role.CLASS_TEACHER, institution=s)
    ]
    class_group = get_object_or_404(
        ClassGroup.objects.filter(institution__in=schools).select_related("institution"), public_id=public_id
    )
    teachers = access.staff_of(class_group.institution).filter(
        role_grants__role=Role.CLASS_TEACHER, role_grants__institution=class_group.institution
    )
    form = ClassTeacherForm(request.POST or None, teachers=teachers, initial={"teacher": class_group.class_teacher})
    if request.method == "POST" and form.is_valid():
        try:
            staff.class_teacher_set(
                actor=request_actor(request), class_group=class_group, teacher=form.cleaned_data["teacher"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(_list_url(class_group.institution))
    return render(request, "people/staff/class_teacher.html", {"class_group": class_group, "form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: choose a password, then sign in. A used, expired or unknown link gets
    one clear page and changes nothing."""
    invitation = staff.invitation_find(token)
    if invitation is None:
        return render(request, "people/staff/invitation_invalid.html", status=404)
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff.invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except ValidationError:
            return render(request, "people/staff/invitation_invalid.html", status=404)
        messages.success(request, _("Your password is set: sign in with your e-mail address and the new password."))
        return redirect("login")
    return render(request, "people/staff/invitation.html", {"form": form, "person": invitation.user})
