"""The budget page (issue 14): planned vs committed vs spent vs budget per school, per measure
and per month, with a chart and the tables behind it; the municipality sets its schools' budgets
and moves money between them here (the services decide who may)."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pumpurs.finance.budgets import budget_move, budget_move_reverse, budget_set, budgets_visible_to
from pumpurs.finance.charts import month_bars
from pumpurs.finance.forms import BudgetForm, MoveForm, ReverseForm
from pumpurs.finance.models import Activity, BudgetMovement
from pumpurs.finance.selectors import budget_overview, finance_institutions, training_money
from pumpurs.people.access import Perm, has_perm, institutions_visible_to
from pumpurs.people.actors import request_actor
from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import SchoolYear


def _year(request: HttpRequest) -> SchoolYear:
    name = request.GET.get("year") or request.POST.get("year")
    if name:
        return get_object_or_404(SchoolYear, name=name)
    year = school_year_on(timezone.localdate()) or SchoolYear.objects.order_by("-starts_on").first()
    if year is None:
        raise Http404
    return year


def _page(
    request: HttpRequest, *, budget_form: BudgetForm | None = None, move_form: MoveForm | None = None, status: int = 200
) -> HttpResponse:
    user = request_actor(request)
    if not has_perm(user, Perm.VIEW_FINANCE):
        raise Http404
    year = _year(request)
    scope = finance_institutions(user)
    school = request.GET.get("school")
    if school:
        try:
            scope = scope.filter(public_id=UUID(school))
        except ValueError:
            raise Http404 from None
        if not scope.exists():
            raise Http404
    overview = budget_overview(scope, year)
    manageable = institutions_visible_to(user, Perm.MANAGE_BUDGETS)
    may_manage = manageable.exists()
    budgets = (
        budgets_visible_to(user)
        .filter(school_year=year, activity=Activity.SUPPORT, institution__in=manageable)
        .select_related("institution")
    )
    movements = list(
        BudgetMovement.objects.filter(source__in=budgets_visible_to(user), source__school_year=year)
        .select_related("source__institution", "target__institution", "reverses")
        .order_by("-moved_at", "-id")
    )
    listed = list(budgets) if may_manage else []  # read once for both of the movement form's lists
    context = {
        "overview": overview,
        "trainings": training_money(user, year),  # activity 2: the trainings' costs (issue 16)
        "chart": month_bars([(m.month, m.spent) for m in overview.months]),
        "years": SchoolYear.objects.order_by("-starts_on"),
        "school": school,
        "may_manage": may_manage,
        "budget_form": budget_form or (BudgetForm(institutions=manageable) if may_manage else None),
        "move_form": move_form or (MoveForm(budgets=budgets, listed=listed) if len(listed) > 1 else None),
        "movements": movements,
        "reversed_ids": {m.reverses_id for m in movements if m.reverses_id is not None},
    }
    return render(request, "finance/budget.html", context, status=status)


def _back(year: SchoolYear) -> HttpResponse:
    return redirect(f"{reverse('finance_budget')}?{urlencode({'year': year.name})}")


@require_GET
def budget_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def budget_save(request: HttpRequest) -> HttpResponse:
    user = request_actor(request)
    form = BudgetForm(request.POST, institutions=institutions_visible_to(user, Perm.MANAGE_BUDGETS))
    if not form.is_valid():
        return _page(request, budget_form=form, status=400)
    data = form.cleaned_data
    try:
        budget_set(
            actor=user,
            school_year=_year(request),
            activity=Activity.SUPPORT,
            institution=data["institution"],
            amount_cents=data["amount"],
            esf_cents=data["esf"],
            state_cents=data["state"],
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _page(request, budget_form=form, status=400)
    messages.success(request, _("The budget of %(school)s is set.") % {"school": data["institution"].name})
    return _back(_year(request))


@require_POST
def budget_move_view(request: HttpRequest) -> HttpResponse:
    user = request_actor(request)
    year = _year(request)
    budgets = budgets_visible_to(user).filter(
        school_year=year, activity=Activity.SUPPORT, institution__in=institutions_visible_to(user, Perm.MANAGE_BUDGETS)
    )
    form = MoveForm(request.POST, budgets=budgets)
    if not form.is_valid():
        return _page(request, move_form=form, status=400)
    data = form.cleaned_data
    try:
        budget_move(
            actor=user, source=data["source"], target=data["target"], amount_cents=data["amount"], reason=data["reason"]
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _page(request, move_form=form, status=400)
    messages.success(request, _("The money is moved."))
    return _back(year)


@require_POST
def movement_reverse(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = request_actor(request)
    movement = get_object_or_404(
        BudgetMovement.objects.filter(source__institution__in=institutions_visible_to(user, Perm.MANAGE_BUDGETS)),
        public_id=public_id,
    )
    form = ReverseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the movement is reversed."))
        budget_move_reverse(actor=user, movement=movement, reason=form.cleaned_data["reason"])
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The movement is reversed: the money is back."))
    return _back(movement.source.school_year)
