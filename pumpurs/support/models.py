"""Individual support (issue 5): the measure catalogue, cases with their team, contact log and
consent, the semester support plan (IAP) with its approval chain, delivery and the review.

Histories are append-only (``PlanTransition``, ``Delivery``, ``Consent`` withdrawals are new
facts on the row, never deletions); the plan's ``version`` is the optimistic-concurrency token
every edit must present (DESIGN §4, STYLE "Models").
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pumpurs.core.models import PublicIdModel
from pumpurs.people.models import Guardian, Institution, Period, Pupil, SpecialistKind
from pumpurs.risk.models import Assessment, Flag, InstrumentItem, RiskGroup

# --- The catalogue ---------------------------------------------------------------------------------


class MeasureCategory(models.TextChoices):
    CONSULTATION = "consultation", _("consultation")
    TRANSPORT = "transport", _("public transport compensation")
    ACCOMMODATION = "accommodation", _("dormitory or night accommodation")
    MEALS = "meals", _("meals")
    ITEMS = "items", _("individual-use items")
    LEARNING_MATERIALS = "learning_materials", _("individual learning materials")
    SPECIAL_TRANSPORT = "special_transport", _("special transport")
    YOUTH_ACTIVITY = "youth_activity", _("youth activity participation")


class MeasureUnit(models.TextChoices):
    HOUR = "hour", _("hour")
    MONTH = "month", _("month")
    NIGHT = "night", _("night")
    DAY = "day", _("day")
    TRIP = "trip", _("trip")
    ITEM = "item", _("item")
    EURO = "eur", _("euro")
    ACTIVITY = "activity", _("activity")


class Measure(PublicIdModel):
    """One measure of the national catalogue, valid from a date (until the next version's date).

    A change that takes effect on a date is a new row with the same ``code``; plans keep the row
    they chose, so an old plan is explained with the price it was approved with. Unknown unit
    costs and caps stay ``NULL`` and the UI says "not set" (DESIGN §4: never invent a figure).
    """

    code = models.SlugField(max_length=40)
    category = models.CharField(_("category"), max_length=24, choices=MeasureCategory.choices)
    specialist_kind = models.CharField(
        _("specialist"), max_length=32, choices=SpecialistKind.choices, blank=True
    )  # consultations only
    name = models.CharField(_("name"), max_length=200)  # Latvian, as in the programme
    name_en = models.CharField(_("name in English"), max_length=200)
    unit = models.CharField(_("unit"), max_length=10, choices=MeasureUnit.choices)
    # No unit price here: prices are finance's dated rates, asked through ``support.prices``
    # (decision 0044 retired the catalogue's own ``unit_cost``).
    cap_per_plan = models.DecimalField(
        _("cap per pupil per semester, EUR"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    requires_low_income = models.BooleanField(_("only for pupils of low-income families"), default=False)
    # Whether a municipality may set its own rate for this measure (finance.Rate); otherwise only the
    # national rate applies (issue 14).
    municipal_rate_allowed = models.BooleanField(_("municipality may set its own rate"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "code", "-valid_from"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="measure_version_key"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="measure_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(category="consultation", specialist_kind__gt="", unit="hour")
                | (~Q(category="consultation") & Q(specialist_kind="")),
                name="measure_consultation_has_specialist",
            ),
            models.CheckConstraint(
                condition=Q(cap_per_plan__isnull=True) | Q(cap_per_plan__gte=0), name="measure_cap_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: the catalogue keeps both, and a Latvian page shows
        no English name, nor an English page a Latvian one where the English exists (issue 13)."""
        return self.name_en if get_language() == "en" and self.name_en else self.name

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @property
    def is_consultation(self) -> bool:
        return self.category == MeasureCategory.CONSULTATION


class LowIncomeStatus(PublicIdModel):
    """A family's low-income status granted by the municipal social service: an input we record
    with its validity and source, never something we compute (DESIGN §4)."""

    class Kind(models.TextChoices):
        NEEDY = "needy", _("needy family (trūcīga)")
        LOW_INCOME = "low_income", _("low-income family (maznodrošināta)")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="low_income_statuses")
    kind = models.CharField(_("status"), max_length=12, choices=Kind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    source = models.CharField(_("source"), max_length=300)  # e.g. the social service's decision
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="low_income_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.kind} {self.valid_from}–{self.valid_until}"


# --- Cases -----------------------------------------------------------------------------------------


class CloseReason(models.TextChoices):
    RISK_REDUCED = "risk_reduced", _("risk reduced")
    COMPLETED_SCHOOL = "completed_school", _("completed school")
    MOVED = "moved", _("moved to another school")
    LEFT_SCHOOL = "left_school", _("left school")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("consent withdrawn")


class Case(PublicIdModel):
    """A pupil's support case at one school: opened from an accepted flag, a questionnaire result
    or by hand; closed with a reason. At most one open case per pupil."""

    class Origin(models.TextChoices):
        FLAG = "flag", _("accepted flag")
        ASSESSMENT = "assessment", _("questionnaire result")
        MANUAL = "manual", _("opened by hand")
        CONTINUED = "continued", _("continued from the previous semester")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="support_cases")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="support_cases")
    origin = models.CharField(_("opened from"), max_length=12, choices=Origin.choices)
    origin_flag = models.ForeignKey(Flag, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    origin_assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("why support is needed"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=20, choices=CloseReason.choices, blank=True)
    # Set when retention or a pupil's erasure cleared the case's names and free text but kept the
    # rows public money rests on (decision 0040); such a case is never pseudonymised again.
    pseudonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        constraints = [
            models.UniqueConstraint(fields=["pupil"], condition=Q(status="open"), name="case_one_open_per_pupil"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True, close_reason="")
                | Q(status="closed", closed_at__isnull=False, close_reason__gt=""),
                name="case_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} ({self.get_status_display()})"


class CaseHandover(models.Model):
    """A case handed over from the school that ran it to the pupil's new school (decision 0020):
    who accepted it, when, from where, to where. The case's plans, contacts and consents go with
    it; the sending school keeps reading what was there before this moment, as history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    from_institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    to_institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["accepted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_institution=models.F("to_institution")), name="case_handover_moves"
            ),
        ]
        indexes = [models.Index(fields=["from_institution", "case"], name="case_handover_from_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_institution_id} → {self.to_institution_id}"


class TeamMember(models.Model):
    """A member of a case's support team; removal is a date, not a deletion."""

    class Role(models.TextChoices):
        LEAD = "lead", _("case lead")
        CLASS_TEACHER = "class_teacher", _("class teacher")
        SPECIALIST = "specialist", _("specialist")
        COORDINATOR = "coordinator", _("school coordinator")
        OTHER = "other", _("other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_teams")
    role = models.CharField(_("role in the team"), max_length=16, choices=Role.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=Q(removed_at__isnull=True), name="team_member_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ContactEntry(PublicIdModel):
    """One contact with the family, logged on the case. Notes about the family's situation may be
    marked sensitive and are then shown only to roles with the sensitive-data permission."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("phone")
        IN_PERSON = "in_person", _("in person")
        EMAIL = "email", _("e-mail")
        EJOURNAL = "ejournal", _("e-journal message")
        LETTER = "letter", _("letter")
        HOME_VISIT = "home_visit", _("home visit")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    guardian = models.ForeignKey(Guardian, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    happened_at = models.DateTimeField(_("when"))
    channel = models.CharField(_("how"), max_length=12, choices=Channel.choices)
    summary = models.TextField(_("summary"))
    sensitive = models.BooleanField(_("sensitive (health or family)"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} {self.happened_at:%Y-%m-%d}"


class Consent(PublicIdModel):
    """The parent's (or adult pupil's) application for support, recorded before a plan can be
    submitted. Withdrawal is a date on the same row: from that day no new delivery is accepted."""

    class Method(models.TextChoices):
        PAPER = "paper", _("signed on paper")
        E_SIGNATURE = "e_signature", _("e-signature")
        IN_PERSON = "in_person", _("in person")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    guardian = models.ForeignKey(Guardian, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_pupil = models.BooleanField(_("given by the adult pupil"), default=False)
    given_on = models.DateField(_("given on"))
    method = models.CharField(_("how"), max_length=12, choices=Method.choices)
    document = models.FileField(_("scanned document"), upload_to="consents/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_note = models.TextField(_("withdrawal note"), blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(by_pupil=True, guardian__isnull=True) | Q(by_pupil=False, guardian__isnull=False),
                name="consent_given_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.given_on}"

    def active_on(self, day: dt.date) -> bool:
        return self.given_on <= day and (self.withdrawn_on is None or day < self.withdrawn_on)


# --- The plan --------------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    DIRECTOR_APPROVED = "director_approved", _("approved by the director")
    MUNICIPALITY_APPROVED = "municipality_approved", _("approved by the municipality")
    APPROVED = "approved", _("approved nationally")
    ACTIVE = "active", _("active")
    IN_REVIEW = "in_review", _("in review")
    CLOSED = "closed", _("closed")


class ApprovalStep(models.TextChoices):
    DIRECTOR = "director", _("director")
    MUNICIPALITY = "municipality", _("municipality coordinator")
    NATIONAL = "national", _("national programme")


# The status a plan reaches when each step approves it.
STATUS_AFTER_STEP = {
    ApprovalStep.DIRECTOR: PlanStatus.DIRECTOR_APPROVED,
    ApprovalStep.MUNICIPALITY: PlanStatus.MUNICIPALITY_APPROVED,
    ApprovalStep.NATIONAL: PlanStatus.APPROVED,
}


class Plan(PublicIdModel):
    """The individual support plan (IAP) of one case for one semester."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=24, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    # The approval chain fixed at submission (settings may change while a plan is under way).
    chain = models.CharField(max_length=60, blank=True)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the assessment whose risks the plan addresses
    contact_person = models.CharField(_("who to contact"), max_length=200, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # An amendment of an active plan (issue 13, trap 2; decision 0022): a draft of the changed
    # content that goes through the chain while the plan it amends stays active and takes
    # deliveries; its final approval applies the change to that plan, whose lines keep their
    # identity (and their deliveries). ``amends IS NULL`` is the semester plan itself.
    amends = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="amendments", verbose_name=_("amends")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "period"], condition=Q(amends__isnull=True), name="plan_one_per_case_semester"
            ),
            # One change at a time: at most one amendment of a plan is under way.
            models.UniqueConstraint(fields=["amends"], condition=~Q(status="closed"), name="plan_one_open_amendment"),
        ]

    def __str__(self) -> str:
        return f"{self.case.pupil} — {self.period}"

    @property
    def is_amendment(self) -> bool:
        return self.amends_id is not None

    @property
    def chain_steps(self) -> list[str]:
        return [s for s in self.chain.split(",") if s]


# Risks in these groups speak of a family's situation or a child's health: their text is shown
# only to readers with the sensitive-data permission (others see the group), whoever wrote it.
SENSITIVE_RISK_GROUPS = frozenset({RiskGroup.FAMILY, RiskGroup.SOCIAL_HEALTH})


class PlanRisk(models.Model):
    """A risk the plan addresses, in one of the four programme risk groups (from the assessment
    when there is one)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    group = models.CharField(_("risk group"), max_length=20, choices=RiskGroup.choices)
    item = models.ForeignKey(InstrumentItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    description = models.CharField(_("risk"), max_length=300)

    class Meta:
        ordering = ["group", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def is_sensitive(self) -> bool:
        return self.group in SENSITIVE_RISK_GROUPS or bool(self.item_id and self.item and self.item.sensitive)


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", _("achieved")
    PARTLY = "partly", _("partly achieved")
    NOT = "not", _("not achieved")


class Usefulness(models.TextChoices):
    USEFUL = "useful", _("useful")
    PARTLY = "partly", _("partly useful")
    NOT = "not", _("not useful")


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal"), max_length=300)
    target = models.CharField(_("measurable target"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class PlanMeasure(PublicIdModel):
    """One line of the plan: a catalogue measure, who provides it, how much and at what cost."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider_name = models.CharField(_("provider"), max_length=200, blank=True)  # a carrier, a shop
    planned_quantity = models.DecimalField(_("planned quantity"), max_digits=9, decimal_places=2)
    planned_cost = models.DecimalField(_("planned cost, EUR"), max_digits=9, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    usefulness = models.CharField(_("usefulness"), max_length=10, choices=Usefulness.choices, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_quantity__gt=0), name="plan_measure_quantity_positive"),
            models.CheckConstraint(
                condition=Q(planned_cost__isnull=True) | Q(planned_cost__gte=0), name="plan_measure_cost_not_negative"
            ),
            models.UniqueConstraint(fields=["plan", "measure"], name="plan_measure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} × {self.planned_quantity}"


class PlanTransition(models.Model):
    """Append-only history of a plan's states: who moved it, from what, to what, and why."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned for changes")
        AMENDED = "amended", _("change started")
        CHANGED = "changed", _("approved change applied")
        REOPENED = "reopened", _("reopened with the case")
        ACTIVATED = "activated", _("activated")
        REVIEW_STARTED = "review_started", _("review started")
        CLOSED = "closed", _("closed")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=16, choices=Action.choices)
    step = models.CharField(max_length=16, choices=ApprovalStep.choices, blank=True)
    from_status = models.CharField(max_length=24, choices=PlanStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=PlanStatus.choices)
    comment = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # null: the system (activation at the semester's start)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=["returned", "amended"]) | ~Q(comment=""), name="plan_return_has_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.action} {self.to_status}"


class PlanSeen(models.Model):
    """What one approver last saw of one plan row (issue 13: "what changed since the version I
    last saw"): written when they open the plan while it waits for a step they may approve. The
    content is a frozen snapshot of the lines and goals as shown — like a score's frozen inputs,
    the one place a snapshot is kept as JSON (decision 0034) — because a plan's rows are edited in
    place and keep no history of their own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "plan"], name="plan_seen_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.plan_id} v{self.version}"


# --- Delivery --------------------------------------------------------------------------------------


class Delivery(PublicIdModel):
    """A consultation held or a compensation / item provided under an active plan's measure."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        REMOTE = "remote", _("remote")

    line = models.ForeignKey(PlanMeasure, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField(_("date"))  # the consultation day, or the first day covered
    period_end = models.DateField(_("covered until"), null=True, blank=True)  # compensations
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=2)
    amount = models.DecimalField(_("amount, EUR"), max_digits=9, decimal_places=2, null=True, blank=True)
    # Consultations
    minutes = models.PositiveIntegerField(_("duration, minutes"), null=True, blank=True)
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices, blank=True)
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    # A remote consultation is confirmed by the pupil within one day (DESIGN §4).
    confirmed_at = models.DateTimeField(_("confirmed by the pupil"), null=True, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="deliveries/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    # A delivery entered by mistake is voided with a reason, never deleted or edited: it stays
    # listed (struck through) and no longer counts against the plan (``delivery.delivery_void``).
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.TextField(_("why it was voided"), blank=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_quantity_positive"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="delivery_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=F("delivered_on")),
                name="delivery_period_order",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | Q(voided_at__isnull=False, voided_by__isnull=False, void_reason__gt=""),
                name="delivery_void_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.delivered_on} {self.quantity}"

    @property
    def is_remote(self) -> bool:
        return self.mode == self.Mode.REMOTE

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


# --- The review ------------------------------------------------------------------------------------


class Review(PublicIdModel):
    """The semester review that closes a plan: goals and measures judged, a new assessment, and
    the decision on what comes next."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("continue next semester")
        CHANGE = "change", _("continue with changes")
        CLOSE = "close", _("close the case")

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="review")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    close_reason = models.CharField(_("close reason"), max_length=20, choices=CloseReason.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    next_plan = models.ForeignKey(Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="close", close_reason__gt="") | (~Q(decision="close") & Q(close_reason="")),
                name="review_close_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.decision}"
