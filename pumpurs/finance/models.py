"""Money (issue 14): rates with effective dates, budgets per programme → municipality →
institution, audited movements between a municipality's schools, and what approved plans commit.

Every amount is whole cents in a ``BigIntegerField`` (``finance.money``): sums are exact on both
engines and nothing is ever a float. Nothing here is edited away: a movement is undone by a
reversing movement, a rate by a newer rate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pumpurs.core.models import PublicIdModel
from pumpurs.people.models import Institution, Municipality, SchoolYear
from pumpurs.support.models import Plan, PlanMeasure


class Rate(PublicIdModel):
    """The unit price and caps of one catalogue measure (by its ``code``, across catalogue
    versions) from ``valid_from`` to ``valid_to``: national when ``municipality`` is empty, else that
    municipality's own rate, allowed only where the measure says a municipality may set one.

    ``unit_cents`` empty means the price is the actual cost (a ticket, a receipt) within the caps.
    ``is_example`` marks a figure that is not the programme's (the demo's): pages say so.
    """

    measure_code = models.SlugField(_("measure"), max_length=40)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="rates"
    )
    unit_cents = models.BigIntegerField(_("unit price, cents"), null=True, blank=True)
    cap_unit_cents = models.BigIntegerField(_("cap per unit, cents"), null=True, blank=True)
    cap_semester_cents = models.BigIntegerField(_("cap per pupil per semester, cents"), null=True, blank=True)
    cap_month_cents = models.BigIntegerField(_("cap per pupil per month, cents"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    is_example = models.BooleanField(_("example figure, not the programme's"), default=False)
    note = models.CharField(_("source or note"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["measure_code", "municipality_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure_code", "valid_from"], condition=Q(municipality__isnull=True), name="rate_national_key"
            ),
            models.UniqueConstraint(
                fields=["measure_code", "municipality", "valid_from"],
                condition=Q(municipality__isnull=False),
                name="rate_municipal_key",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="rate_valid_range"
            ),
            models.CheckConstraint(
                condition=(Q(unit_cents__isnull=True) | Q(unit_cents__gte=0))
                & (Q(cap_unit_cents__isnull=True) | Q(cap_unit_cents__gte=0))
                & (Q(cap_semester_cents__isnull=True) | Q(cap_semester_cents__gte=0))
                & (Q(cap_month_cents__isnull=True) | Q(cap_month_cents__gte=0)),
                name="rate_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_code} {self.valid_from}"


class Activity(models.IntegerChoices):
    """The programme's three activities (DESIGN §1)."""

    SUPPORT = 1, _("1. individual support")
    PREVENTION = 2, _("2. prevention system")
    YOUTH = 3, _("3. youth activities")


class Budget(PublicIdModel):
    """The money of one level for one school year and activity: the programme's (no municipality),
    a municipality's (no institution) or an institution's. ``esf_cents + state_cents`` is the
    amount, always (a database check)."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    activity = models.PositiveSmallIntegerField(_("activity"), choices=Activity.choices)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="budgets"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="budgets"
    )
    amount_cents = models.BigIntegerField(_("amount, cents"))
    esf_cents = models.BigIntegerField(_("ESF, cents"))
    state_cents = models.BigIntegerField(_("state budget, cents"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["school_year", "activity", "municipality_id", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "activity"],
                condition=Q(municipality__isnull=True, institution__isnull=True),
                name="budget_programme_key",
            ),
            models.UniqueConstraint(
                fields=["school_year", "activity", "municipality"],
                condition=Q(municipality__isnull=False, institution__isnull=True),
                name="budget_municipality_key",
            ),
            models.UniqueConstraint(
                fields=["school_year", "activity", "institution"],
                condition=Q(institution__isnull=False),
                name="budget_institution_key",
            ),
            models.CheckConstraint(
                condition=Q(institution__isnull=True) | Q(municipality__isnull=False),
                name="budget_institution_in_municipality",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0, esf_cents__gte=0, state_cents__gte=0)
                & Q(amount_cents=F("esf_cents") + F("state_cents")),
                name="budget_split_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} {self.activity} {self.institution_id or self.municipality_id or 'programme'}"


class BudgetMovement(PublicIdModel):
    """Money moved from one institution's budget to another's in the same municipality, school
    year and activity. Never edited: a mistake is undone by a movement that ``reverses`` it."""

    source = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="movements_out")
    target = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="movements_in")
    amount_cents = models.BigIntegerField(_("amount, cents"))
    reason = models.CharField(_("reason"), max_length=300)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # empty: the operator's command (a system actor; the audit trail names it)
    moved_at = models.DateTimeField()

    class Meta:
        ordering = ["moved_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="movement_amount_positive"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="movement_between_two_budgets"),
            models.CheckConstraint(condition=~Q(reason=""), name="movement_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} {self.amount_cents}"


class Commitment(models.Model):
    """What the final approval of a plan commits for one of its lines, at the rate in force then.

    It counts while its plan is approved, active or in review; deliveries turn it into actual
    spending; a closed plan releases what was not delivered (the status says so, no row changes).
    An amended plan commits again at its next final approval (the row is revised, audited).
    """

    line = models.OneToOneField(PlanMeasure, on_delete=models.CASCADE, related_name="commitment")
    # PROTECT: public money committed is never deleted with a pupil's record — an erasure must
    # pseudonymise instead (decision 0033). A line an amendment drops still takes its commitment.
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="commitments")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    rate = models.ForeignKey(Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit_cents = models.BigIntegerField(null=True, blank=True)
    amount_cents = models.BigIntegerField()
    committed_at = models.DateTimeField()
    # Kept with the delivered-cents rollup (decision 0033): the line's measure, and what its counted
    # deliveries cost so far, so "still committed" is read from this row alone.
    measure_code = models.SlugField(max_length=40, default="")
    delivered_cents = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["institution", "school_year"], name="commitment_inst_year")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="commitment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.amount_cents}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PREPARED = "prepared", _("prepared, awaiting the director")
    DIRECTOR_APPROVED = "director_approved", _("approved by the director, awaiting the municipality")
    APPROVED = "approved", _("approved and locked")


class ExpenseReport(PublicIdModel):
    """A school's monthly expense report: the month's deliveries (and any recorded late), plus
    reversal lines for reported deliveries voided since. Assembled by the school coordinator,
    approved by the director, then by the municipality coordinator — never by whoever prepared
    it — and locked after the last approval: a locked month is corrected only by a reversal line in
    a later month's report. Totals and the ESF / state split are frozen when it is locked."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="expense_reports")
    month = models.DateField(_("month"))  # its first day
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    assembled_at = models.DateTimeField()
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    director_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    director_at = models.DateTimeField(null=True, blank=True)
    municipality_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    municipality_at = models.DateTimeField(null=True, blank=True)
    returned_comment = models.TextField(_("why it was returned"), blank=True)
    total_cents = models.BigIntegerField(null=True, blank=True)
    esf_cents = models.BigIntegerField(null=True, blank=True)
    state_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "institution_id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "month"], name="expense_report_once_a_month"),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(total_cents__isnull=False, esf_cents__isnull=False, state_cents__isnull=False),
                name="expense_report_locked_has_totals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.month:%Y-%m}"

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.APPROVED


class ExpenseLine(models.Model):
    """One line of a monthly report: a delivery at its cost, or the reversal (minus the same
    amount) of a line of a locked report whose delivery was voided since."""

    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("delivery")
        REVERSAL = "reversal", _("reversal")

    # No foreign-key constraints in the database on this table (decision 0037): PostgreSQL checks a
    # foreign key row by row, and those checks were 40 % of assembling the national month's 300 000
    # lines. Integrity holds by construction instead: lines are written only by the assembly's
    # ``INSERT … SELECT``, which joins the report, the delivery and (for a reversal) the line it
    # reverses; reports and deliveries are never deleted while they have lines (a draft's lines go
    # with it through Django's CASCADE); the only lines ever deleted are a draft's delivery lines,
    # which nothing reverses. ``pumpurs delivered_rebuild --check`` proves it
    # (``reports.expense_lines_orphaned``).
    report = models.ForeignKey(ExpenseReport, on_delete=models.CASCADE, db_constraint=False, related_name="lines")
    # No index of its own either: the partial unique index below finds a delivery's line.
    delivery = models.ForeignKey(
        "support.Delivery", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount_cents = models.BigIntegerField()
    measure_code = models.SlugField(max_length=40, db_index=False)  # never searched: no index to keep
    delivered_on = models.DateField()
    evidence_required = models.BooleanField()
    has_evidence = models.BooleanField()
    # At most one reversal per line (a partial unique index: the many lines that reverse nothing are
    # not indexed at all).
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        related_name="reversals",
    )

    class Meta:
        ordering = ["delivered_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery"], condition=Q(kind="delivery"), name="expense_line_delivery_once"
            ),
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="expense_line_reversed_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="delivery", reverses__isnull=True, amount_cents__gte=0)
                | Q(kind="reversal", reverses__isnull=False, amount_cents__lte=0),
                name="expense_line_reversal_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.amount_cents}"


class DeliveredMonth(models.Model):
    """What one plan line delivered in one month, in whole cents (decision 0033): the deliveries'
    costs summed ahead of time, so that the budget page and the approval's budget check do not sum
    every delivery of a municipality on each request.

    Kept by the services that change what it sums, in their own transaction and set-based
    (``finance.delivered.delivered_refresh``): recording or voiding a delivery (through support's
    delivery hook) and committing a plan (the unit price a delivery without an amount is costed at).
    Never by a trigger. ``pumpurs delivered_rebuild`` recomputes it from the deliveries.
    """

    line = models.ForeignKey(PlanMeasure, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day
    # Copied from the line's plan so the money pages group without joining plans and cases; a
    # hand-over (the case's school changes) refreshes the case's lines like a delivery does.
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    measure_code = models.SlugField(max_length=40)
    cents = models.BigIntegerField()
    deliveries = models.PositiveIntegerField()  # counted (not voided) deliveries

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line", "month"], name="delivered_month_key")]
        indexes = [models.Index(fields=["institution", "school_year"], name="delivered_month_inst_year")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.month:%Y-%m} {self.cents}"


class StillCommitted(models.Model):
    """What one school still has committed in a school year for one measure, in whole cents
    (decision 0043): the commitments of its approved, active or in-review plans less what their
    lines delivered, never below zero per commitment — summed ahead of time so that the budget page
    does not read every commitment of a municipality joined to its plan on each request.

    A row per (school, school year, measure code) that has a commitment of such a plan (a row of
    zero cents included: the page lists the measure). Kept like ``DeliveredMonth``, by the services,
    recomputed from the commitments per school and year (``finance.committed``): a commitment
    written, a delivery recorded or voided, a plan moving into or out of the committing states.
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    measure_code = models.SlugField(max_length=40)
    cents = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution", "school_year", "measure_code"], name="still_committed_key")
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.school_year_id} {self.measure_code} {self.cents}"


class SupportedPupils(models.Model):
    """How many pupils one school supports in a school year (a pupil with a commitment of any of
    their plans, whatever its status now) and how many of its commitments were made at an example
    rate (decision 0043) — kept with ``StillCommitted``, a row per school and year with a commitment."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    pupils = models.PositiveIntegerField()
    example_commitments = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "school_year"], name="supported_pupils_key")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.school_year_id} {self.pupils}"
