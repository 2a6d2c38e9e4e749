"""Activity 3 of the programme — youth initiative projects (issue 16): a municipality (or the
national team) runs a call, enters the applications of youth organisations, two evaluators score
each against the call's weighted criteria, the call's manager decides (the amount awarded may be
lower than requested), and after the project the content and expense report is approved; money
not spent returns to the call.

Money is integer cents (``*_cents``), never float. The applicants have no accounts in this first
version: the municipality's coordinator enters their forms (decision record 0027).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pumpurs.core.models import PublicIdModel
from pumpurs.people.models import Municipality


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open for applications")
    EVALUATION = "evaluation", _("evaluation and decisions")
    CLOSED = "closed", _("closed")


class Call(PublicIdModel):
    """A call for youth initiative projects. ``municipality`` empty: a national call."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    opens_on = models.DateField(_("applications from"))
    closes_on = models.DateField(_("applications until"))
    total_cents = models.PositiveBigIntegerField(_("total amount"))
    max_per_project_cents = models.PositiveIntegerField(_("maximum per project"))
    eligibility = models.TextField(_("who may apply"))
    status = models.CharField(_("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    evaluators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("evaluators"), related_name="youth_calls_evaluated", blank=True
    )

    class Meta:
        ordering = ["-opens_on", "title"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="youth_call_dates_in_order"),
            models.CheckConstraint(condition=Q(max_per_project_cents__gt=0), name="youth_call_max_positive"),
            models.CheckConstraint(
                condition=Q(total_cents__gte=F("max_per_project_cents")), name="youth_call_total_covers_one"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    """An evaluation criterion with its weight in per cent; a call's weights add up to 100 before
    it opens. Each evaluator scores each criterion 0–10."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("criterion"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("weight, %"))

    class Meta:
        ordering = ["call", "position"]
        constraints = [
            models.UniqueConstraint(fields=["call", "position"], name="youth_criterion_position_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="youth_criterion_weight_range"),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("not supported")


class Application(PublicIdModel):
    """A youth organisation's application as entered from its form. ``requested_cents`` is the
    sum of its budget lines and at most the call's maximum (refused with the numbers otherwise)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    number = models.PositiveIntegerField(_("number"))
    organisation = models.CharField(_("organisation"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=20)
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    youth_group = models.CharField(_("youth initiative group"), max_length=200, blank=True)
    title = models.CharField(_("project title"), max_length=200)
    aims = models.TextField(_("aims"))
    activities = models.TextField(_("activities"))
    starts_on = models.DateField(_("project starts"))
    ends_on = models.DateField(_("project ends"))
    participants_expected = models.PositiveIntegerField(_("participants expected"))
    age_from = models.PositiveSmallIntegerField(_("age from"))
    age_to = models.PositiveSmallIntegerField(_("age to"))
    requested_cents = models.PositiveIntegerField(_("amount requested"))
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()
    awarded_cents = models.PositiveIntegerField(_("amount awarded"), null=True, blank=True)
    decision_note = models.TextField(_("reasons for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["call", "number"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="youth_application_number_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="youth_application_dates_in_order"),
            models.CheckConstraint(condition=Q(age_to__gte=F("age_from")), name="youth_application_age_band"),
            models.CheckConstraint(
                condition=Q(awarded_cents__isnull=True) | Q(awarded_cents__lte=F("requested_cents")),
                name="youth_application_award_within_request",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(awarded_cents__gt=0), name="youth_application_approved_has_award"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    position = models.PositiveSmallIntegerField()
    item = models.CharField(_("budget item"), max_length=200)
    amount_cents = models.PositiveIntegerField(_("amount"))

    class Meta:
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "position"], name="youth_budget_line_position_unique"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="youth_budget_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.amount_cents}"


class Evaluation(PublicIdModel):
    """One evaluator's scores of one application. The evaluator confirmed having no conflict of
    interest; one who declared one (``ConflictDeclaration``) cannot score it."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="evaluations")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)  # 0–100, weighted
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["application", "scored_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "evaluator"], name="youth_evaluation_once_per_evaluator"),
            models.CheckConstraint(condition=Q(points__gte=0, points__lte=100), name="youth_evaluation_points_range"),
        ]


class Score(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="youth_score_once_per_criterion"),
            models.CheckConstraint(condition=Q(score__lte=10), name="youth_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


class ConflictDeclaration(models.Model):
    """An evaluator's declared conflict of interest with an application (e.g. a member of the
    applicant organisation): they never score it."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="conflicts")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    declared_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "evaluator"], name="youth_conflict_once_per_evaluator")
        ]

    def __str__(self) -> str:
        return self.reason


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")


class ProjectReport(PublicIdModel):
    """The content and expense report of an approved project after it ends. ``spent_cents`` is the
    sum of its expense lines and never more than awarded; once approved, the rest returns to the call."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="report")
    participants_reached = models.PositiveIntegerField(_("participants reached"))
    activities_done = models.TextField(_("activities done"))
    spent_cents = models.PositiveIntegerField(_("amount spent"))
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("project report")


class ExpenseLine(models.Model):
    report = models.ForeignKey(ProjectReport, on_delete=models.CASCADE, related_name="expense_lines")
    position = models.PositiveSmallIntegerField()
    item = models.CharField(_("expense item"), max_length=200)
    amount_cents = models.PositiveIntegerField(_("amount"))

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="youth_expense_line_position_unique"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="youth_expense_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.amount_cents}"
