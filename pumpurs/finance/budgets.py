"""Budgets per programme → municipality → institution, school year and activity, and the
movements of money between a municipality's schools (issue 14).

A budget's amount is set (and may be set again: the change is audited with both figures); the
ESF / state split comes with it, by default ``PUMPURS_ESF_SHARE``. Money moved between two schools
is a ``BudgetMovement``, never an edit of either budget, and is undone only by a reversing movement.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core.display import money_text
from pumpurs.finance.models import Activity, Budget, BudgetMovement
from pumpurs.finance.money import euros, split
from pumpurs.people.access import Perm, institutions_visible_to, is_national, municipalities_visible_to
from pumpurs.people.actors import Actor, actor_user
from pumpurs.people.models import Institution, Municipality, SchoolYear


def budgets_visible_to(user: Actor) -> QuerySet[Budget]:
    """The budgets of the institutions the reader sees money of; a municipality's own budget to
    those who divide it (its coordinator, the national role); the programme's to national readers."""
    q = Q(institution__in=institutions_visible_to(user, Perm.VIEW_FINANCE)) | Q(
        institution__isnull=True, municipality__in=municipalities_visible_to(user, Perm.MANAGE_BUDGETS)
    )
    if is_national(user, Perm.VIEW_FINANCE):
        q |= Q(municipality__isnull=True)
    return Budget.objects.filter(q)


def _may_manage(actor: Actor, municipality: Municipality | None, institution: Institution | None) -> bool:
    """The national role sets the programme's and the municipalities' budgets; a municipality
    coordinator divides their municipality's among its schools."""
    if is_national(actor, Perm.MANAGE_BUDGETS):
        return True
    if institution is None:
        return False
    return institutions_visible_to(actor, Perm.MANAGE_BUDGETS).filter(pk=institution.pk).exists()


def effective_cents(budget: Budget) -> int:
    """The budget's amount with the money moved in added and the money moved out taken away."""
    moved_in = budget.movements_in.aggregate(total=Sum("amount_cents"))["total"] or 0
    moved_out = budget.movements_out.aggregate(total=Sum("amount_cents"))["total"] or 0
    return budget.amount_cents + moved_in - moved_out


@transaction.atomic
def budget_set(
    *,
    actor: Actor,
    school_year: SchoolYear,
    activity: int,
    amount_cents: int,
    municipality: Municipality | None = None,
    institution: Institution | None = None,
    esf_cents: int | None = None,
    state_cents: int | None = None,
    now: dt.datetime | None = None,
) -> Budget:
    """Create or change the budget of one level. Without a split, ``PUMPURS_ESF_SHARE`` splits the
    amount (the remainder cent to the state); a split given must add up to the amount exactly. A
    school's budget may not drop below what was moved out of it. Inverse: set it again."""
    now = now or timezone.now()
    if institution is not None:
        municipality = institution.municipality
    if not _may_manage(actor, municipality, institution):
        raise PermissionDenied(_("You may not set this budget."))
    if activity not in Activity.values:
        raise ValidationError({"activity": _("The activity is 1, 2 or 3.")})
    if amount_cents < 0:
        raise ValidationError({"amount": _("A budget cannot be negative.")})
    if esf_cents is None and state_cents is None:
        parts = split(amount_cents)
        esf_cents, state_cents = parts.esf, parts.state
    elif esf_cents is None or state_cents is None or esf_cents < 0 or state_cents < 0:
        raise ValidationError({"esf": _("Give both the ESF and the state budget share, neither negative.")})
    elif esf_cents + state_cents != amount_cents:
        raise ValidationError(
            {
                "amount": _("ESF %(esf)s + state budget %(state)s = %(sum)s, not the amount %(amount)s.")
                % {
                    "esf": money_text(euros(esf_cents)),
                    "state": money_text(euros(state_cents)),
                    "sum": money_text(euros(esf_cents + state_cents)),
                    "amount": money_text(euros(amount_cents)),
                }
            }
        )
    budget = (
        Budget.objects.select_for_update()
        .filter(school_year=school_year, activity=activity, municipality=municipality, institution=institution)
        .first()
    )
    before = None
    if budget is None:
        budget = Budget(school_year=school_year, activity=activity, municipality=municipality, institution=institution)
    else:
        before = {"amount_cents": budget.amount_cents, "esf_cents": budget.esf_cents, "state_cents": budget.state_cents}
        moved_out = budget.movements_out.aggregate(total=Sum("amount_cents"))["total"] or 0
        if amount_cents < moved_out:
            raise ValidationError(
                {
                    "amount": _("%(moved)s has already been moved out of this budget.")
                    % {"moved": money_text(euros(moved_out))}
                }
            )
    budget.amount_cents, budget.esf_cents, budget.state_cents = amount_cents, esf_cents, state_cents
    budget.set_by, budget.set_at = actor_user(actor), now
    budget.save()
    audit_record(
        actor=actor,
        action="finance.budget.set",
        target=budget,
        data={
            "school_year": school_year.name,
            "activity": activity,
            "municipality": municipality.code if municipality else None,
            "institution": institution.code if institution else None,
            "amount_cents": amount_cents,
            "esf_cents": esf_cents,
            "state_cents": state_cents,
            "before": before,
        },
    )
    return budget


def _lock_pair(a: Budget, b: Budget) -> tuple[Budget, Budget]:
    # Always lock in key order, so that two movements between the same schools never deadlock.
    locked = {x.pk: x for x in Budget.objects.select_for_update().filter(pk__in=sorted([a.pk, b.pk])).order_by("pk")}
    return locked[a.pk], locked[b.pk]


@transaction.atomic
def budget_move(
    *,
    actor: Actor,
    source: Budget,
    target: Budget,
    amount_cents: int,
    reason: str,
    now: dt.datetime | None = None,
    _reverses: BudgetMovement | None = None,
) -> BudgetMovement:
    """Move money between two institutions' budgets of one municipality, school year and activity.
    Refused when the source would hold less than nothing. Inverse: ``budget_move_reverse``."""
    now = now or timezone.now()
    source, target = _lock_pair(source, target)
    if source.institution_id is None or target.institution_id is None:
        raise ValidationError(_("Money moves between the budgets of two institutions."))
    if (source.municipality_id, source.school_year_id, source.activity) != (
        target.municipality_id,
        target.school_year_id,
        target.activity,
    ) or source.pk == target.pk:
        raise ValidationError(_("Both budgets must be of the same municipality, school year and activity."))
    manageable = institutions_visible_to(actor, Perm.MANAGE_BUDGETS)
    if manageable.filter(pk__in=[source.institution_id, target.institution_id]).count() != 2:
        raise PermissionDenied(_("You may not move money between these budgets."))
    if amount_cents <= 0:
        raise ValidationError({"amount": _("Move an amount greater than zero.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the money is moved.")})
    available = effective_cents(source)
    if amount_cents > available:
        raise ValidationError(
            {
                "amount": _("The budget holds %(available)s; %(amount)s cannot be moved out of it.")
                % {"available": money_text(euros(available)), "amount": money_text(euros(amount_cents))}
            }
        )
    movement = BudgetMovement.objects.create(
        source=source,
        target=target,
        amount_cents=amount_cents,
        reason=reason.strip(),
        reverses=_reverses,
        moved_by=actor_user(actor),
        moved_at=now,
    )
    audit_record(
        actor=actor,
        action="finance.budget.reversed" if _reverses else "finance.budget.moved",
        target=movement,
        data={
            "from": source.institution.code if source.institution else None,
            "to": target.institution.code if target.institution else None,
            "amount_cents": amount_cents,
            "reverses": str(_reverses.public_id) if _reverses else None,
        },
    )
    return movement


def budget_move_reverse(
    *, actor: Actor, movement: BudgetMovement, reason: str, now: dt.datetime | None = None
) -> BudgetMovement:
    """Undo a movement by moving the same amount back (once; a reversal is not reversed).
    Inverse of ``budget_move``."""
    with transaction.atomic():
        movement = BudgetMovement.objects.select_for_update().get(pk=movement.pk)
        if movement.reverses_id is not None:
            raise ValidationError(_("A reversal cannot itself be reversed; move the money again instead."))
        if BudgetMovement.objects.filter(reverses=movement).exists():
            raise ValidationError(_("This movement has already been reversed."))
        return budget_move(
            actor=actor,
            source=movement.target,
            target=movement.source,
            amount_cents=movement.amount_cents,
            reason=reason,
            now=now,
            _reverses=movement,
        )
