"""Early identification: indicators, flags with reasons and their decisions, the semester risk
questionnaire, notices and school capacity (issue 4).

Everything computed keeps the rule version and the inputs it came from, so a flag can be
explained later exactly as it was raised (DESIGN §7: advisory scores, logged overrides).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pumpurs.core.models import PublicIdModel
from pumpurs.people.models import Guardian, Institution, Municipality, Period, Pupil


class Window(models.TextChoices):
    PERIOD = "period", _("semester")
    FOUR_WEEKS = "4w", _("last 4 weeks")


class IndicatorSnapshot(models.Model):
    """One pupil's indicators for one semester: the semester to date (``window_start`` –
    ``window_end``) and the 4 weeks ending at ``w4_end`` (``w4_`` columns), in one row (decision
    record 0049; before it, two rows keyed by a ``window`` column)."""

    # Derived rows, written only by ``indicators_refresh`` (250 000 a semester for a country):
    # like the facts they come from (decision record 0005), no database-level foreign keys (the
    # ORM still cascades) and one index only, the natural key as primary key. It starts with the
    # semester: the refresh reads and prunes one semester at a time, and a pupil's trend asks for
    # the semesters by name (``period__in``), which the same index answers. Every extra index
    # is one more write per row at each refresh (decision record 0009).
    pk = models.CompositePrimaryKey("period_id", "pupil_id")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="indicator_snapshots", db_constraint=False, db_index=False
    )
    computed_at = models.DateTimeField()
    rule_version = models.CharField(max_length=20)
    # The semester to date.
    window_start = models.DateField()
    window_end = models.DateField()
    lessons = models.IntegerField(default=0)
    unjustified = models.IntegerField(default=0)
    illness = models.IntegerField(default=0)
    other_justified = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    # Share of lessons attended, 0–100; null without attendance data.
    attendance_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    failing_grades = models.IntegerField(default=0)
    nv_count = models.IntegerField(default=0)
    average_grade = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    average_change = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    incidents = models.IntegerField(default=0)
    # The last 4 weeks (no average change: it compares semesters).
    w4_start = models.DateField()
    w4_end = models.DateField()
    w4_lessons = models.IntegerField(default=0)
    w4_unjustified = models.IntegerField(default=0)
    w4_illness = models.IntegerField(default=0)
    w4_other_justified = models.IntegerField(default=0)
    w4_late = models.IntegerField(default=0)
    w4_attendance_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    w4_failing_grades = models.IntegerField(default=0)
    w4_nv_count = models.IntegerField(default=0)
    w4_average_grade = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    w4_incidents = models.IntegerField(default=0)
    # The enrolment history: the same in both windows.
    repeated_grade = models.BooleanField(default=False)
    over_age_years = models.IntegerField(default=0)
    school_changes_12m = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.period_id}"

    def in_window(self, window: str) -> dict[str, object]:
        """The indicators of one window under their plain names (``lessons``, ``window_start`` …)."""
        prefix = window_prefix(window)
        values: dict[str, object] = {name: getattr(self, prefix + name) for name in WINDOW_FIELDS}
        values["window_start"] = self.window_start if not prefix else self.w4_start
        values["window_end"] = self.window_end if not prefix else self.w4_end
        values["average_change"] = self.average_change if not prefix else None
        common = ("rule_version", "computed_at", "repeated_grade", "over_age_years", "school_changes_12m")
        values.update({name: getattr(self, name) for name in common})
        return values


# The indicators a snapshot holds once per window: the semester's under these names, the last 4
# weeks' with the prefix ``w4_``.
WINDOW_FIELDS = (
    "lessons",
    "unjustified",
    "illness",
    "other_justified",
    "late",
    "attendance_rate",
    "failing_grades",
    "nv_count",
    "average_grade",
    "incidents",
)


def window_prefix(window: str) -> str:
    """The column prefix of a window's indicators in ``IndicatorSnapshot``."""
    return "" if window == Window.PERIOD else "w4_"


class SemesterPupil(models.Model):
    """The semester's pupils as the refresh reads them (decision record 0049): each pupil with an
    enrolment in the semester, their latest enrolment's municipality and their enrolment history.

    A cache, rebuilt by ``indicators_refresh`` only when the enrolments it came from changed
    (``RefreshMark.roster_stamp``); nothing else writes or reads it."""

    pk = models.CompositePrimaryKey("period_id", "pupil_id")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    municipality_id = models.BigIntegerField(null=True)
    over_age_years = models.IntegerField(default=0)
    repeated_grade = models.BooleanField(default=False)
    # Transfers in the 12 months up to the window's end when the table was built; the refresh
    # rebuilds it when the window's end moves past a transfer's day (``roster_stamp``).
    school_changes_12m = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("semester pupil")
        verbose_name_plural = _("semester pupils")

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.period_id}"


class FlagStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("accepted")
    DISMISSED = "dismissed", _("dismissed")


class Flag(PublicIdModel):
    """A rule's finding about one pupil in one semester, with its reason and evidence.

    The decision history lives in ``FlagDecision`` (append-only); ``status`` is the latest
    decision. A flag whose condition recurs after dismissal is raised again as a new row that
    links to the dismissed one (``previous``), so the history stays visible.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="flags")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("rule"), max_length=40)
    rule_version = models.CharField(max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    value = models.DecimalField(max_digits=8, decimal_places=2)
    threshold = models.DecimalField(max_digits=8, decimal_places=2)
    # The reason in words is rendered from (rule, value, threshold, evidence) in the reader's language.
    evidence = models.JSONField(default=dict)  # frozen inputs: counts, dates, window, data source
    raised_at = models.DateTimeField()
    # When a refresh last changed the flag (raised it, or gave it a new value, threshold or evidence,
    # or found its condition holding again); when its semester was last checked is in FlagCheck.
    last_seen_at = models.DateTimeField()
    condition_holds = models.BooleanField(default=True)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            # At most one live (open or accepted) flag per pupil, rule and semester.
            models.UniqueConstraint(
                fields=["pupil", "period", "rule"],
                condition=Q(status__in=["open", "accepted"]),
                name="flag_one_live_per_rule",
            ),
        ]
        indexes = [models.Index(fields=["status", "period"], name="flag_status_period_idx")]

    def __str__(self) -> str:
        return f"{self.rule} {self.pupil_id} {self.status}"


class FlagCheck(models.Model):
    """When ``flags_refresh`` last evaluated every flag rule over a semester ("last checked").

    One row per semester, so that a refresh that changes nothing rewrites no flag."""

    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("flag check")
        verbose_name_plural = _("flag checks")

    def __str__(self) -> str:
        return f"{self.period_id} {self.checked_at}"


class DismissReason(models.TextChoices):
    KNOWN_CAUSE = "known_cause", _("cause known and being handled (e.g. long illness)")
    DATA_ERROR = "data_error", _("the data is wrong")
    NOT_AT_RISK = "not_at_risk", _("pupil is not at risk, in our judgement")
    SUPPORTED_ELSEWHERE = "supported_elsewhere", _("already supported by another service")
    OTHER = "other", _("other (see comment)")


class FlagDecision(models.Model):
    """Append-only log of what a person decided about a flag."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        DISMISSED = "dismissed", _("dismissed")
        REOPENED = "reopened", _("reopened")

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=24, choices=DismissReason.choices, blank=True)
    comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("flag decision")
        verbose_name_plural = _("flag decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="dismissed") | ~Q(reason=""), name="flag_dismissal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flag_id} {self.decision}"


class ThresholdOverride(models.Model):
    """A municipality's own threshold for one rule (national defaults are settings)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=8, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "rule"], name="threshold_override_key")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.rule}={self.value}"


class Instrument(PublicIdModel):
    """A versioned questionnaire. Once answered it is never edited: a change makes a new version."""

    code = models.SlugField(max_length=40)
    version = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_official = models.BooleanField(default=False)  # the shipped default is not the official form
    is_active = models.BooleanField(default=True)
    # Overall level from the weighted score share (0–100): below low → none, etc.
    low_from = models.DecimalField(max_digits=5, decimal_places=2)
    medium_from = models.DecimalField(max_digits=5, decimal_places=2)
    high_from = models.DecimalField(max_digits=5, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="instrument_version_key")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RiskGroup(models.TextChoices):
    LEARNING = "learning", _("learning and school")
    ECONOMIC = "economic", _("economic")
    FAMILY = "family", _("family")
    SOCIAL_HEALTH = "social_health", _("social environment and health")


class InstrumentItem(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    group = models.CharField(max_length=20, choices=RiskGroup.choices)
    code = models.SlugField(max_length=60)
    text = models.CharField(max_length=300)
    weight = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    order = models.PositiveSmallIntegerField()
    # Sensitive items (health, family) are shown only with the sensitive-data permission.
    sensitive = models.BooleanField(default=False)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["instrument", "code"], name="instrument_item_key")]

    def __str__(self) -> str:
        return self.code


class Level(models.TextChoices):
    # "līmenis" is masculine: the level's words have their own context (zems, vidējs, augsts).
    NONE = "none", pgettext_lazy("risk level", "none")
    LOW = "low", pgettext_lazy("risk level", "low")
    MEDIUM = "medium", pgettext_lazy("risk level", "medium")
    HIGH = "high", pgettext_lazy("risk level", "high")


class Assessment(PublicIdModel):
    """One semester's questionnaire for one pupil: a draft until submitted; history kept."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="assessments")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Frozen at submission, with the instrument version above (scoring is re-explainable).
    level = models.CharField(max_length=8, choices=Level.choices, blank=True)
    score_share = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    group_scores = models.JSONField(default=dict, blank=True)
    # Items of the instrument left unanswered at submission (they score as "no"): more than none
    # marks the result "incomplete" wherever it is shown (issue 13, trap 7).
    unanswered = models.PositiveSmallIntegerField(default=0)
    # A new assessment of the same semester is a new version; the one it follows keeps its result
    # (issue 13, trap 3: a review needs a questionnaire newer than the plan's approval).
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "period", "instrument", "version"], name="assessment_one_per_semester_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.period_id} {self.status}"

    @property
    def is_incomplete(self) -> bool:
        return self.status == self.Status.SUBMITTED and self.unanswered > 0


class Answer(models.TextChoices):
    NO = "no", _("no")
    PARTLY = "partly", _("partly")
    YES = "yes", _("yes")


class AssessmentAnswer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(InstrumentItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    comment = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="assessment_answer_key")]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.item_id} {self.answer}"


class SchoolCapacity(models.Model):
    """How many pupils a school can support this semester (orders its watch list)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "period"], name="school_capacity_key")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.period_id} {self.capacity}"


class Notice(PublicIdModel):
    """A message to a guardian or a municipality coordinator, kept in an in-app outbox.

    ``dedupe_key`` makes re-imports harmless: the same event never produces a second notice.
    """

    class Kind(models.TextChoices):
        SAME_DAY_ABSENCE = "same_day_absence", _("same-day absence notice to guardians")
        THRESHOLD_CROSSED = "threshold_crossed", _("unjustified-absence threshold crossed")
        PLAN_APPROVED = "plan_approved", _("support plan approved")
        MEASURE_STARTED = "measure_started", _("support measure started")
        REVIEW_OVERDUE = "review_overdue", _("support plan review overdue")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        # Every attempt failed (``PUMPURS_NOTICE_SEND_ATTEMPTS``): a person has to reach them.
        FAILED = "failed", _("could not be delivered")
        NO_CONTACT = "no_contact", _("no contact data")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="notices")
    guardian = models.ForeignKey(Guardian, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Sending attempts so far; a queued notice that failed waits until ``next_attempt_at``.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pupil_id} {self.status}"


class AbsenceFollowUp(PublicIdModel):
    """The municipality's follow-up of a pupil whose unjustified absences crossed the threshold in a
    semester (DESIGN §4: over 20 lessons the municipality is involved): a task with an owner and a
    status, not only an e-mail. No row yet means open and nobody has taken it."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="absence_follow_ups")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "period"], name="absence_follow_up_key"),
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(note=""), name="absence_follow_up_done_has_note"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.period_id} {self.status}"


class RefreshMark(models.Model):
    """What a semester's last full refresh saw (decision 0032): the window's last day, the rule
    version and the audit trail's last input event. A refresh that would see the same does nothing."""

    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="+")
    period_to = models.DateField()
    rule_version = models.CharField(max_length=40)
    input_seq = models.BigIntegerField()  # the audit trail's last event that can change an input
    four_weeks_from = models.DateField(null=True)
    four_weeks_to = models.DateField(null=True)
    # The latest day with attendance facts in the semester window (null: none). A refresh of only
    # the pupils an import touched (decision 0048) needs it: the 4-week window ends there.
    last_fact_day = models.DateField(null=True)
    pupils = models.IntegerField(default=0)
    refreshed_at = models.DateTimeField()
    # What the cached pupil table (``SemesterPupil``) was built from: a fingerprint of the
    # enrolments, pupils, classes and schools (decision 0049); empty: not built yet.
    roster_stamp = models.CharField(max_length=200, blank=True)
    # The rule version, national thresholds and municipal overrides the flags were evaluated with:
    # while it holds, only the pupils whose snapshot changed need their flags evaluated again.
    flag_stamp = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("indicator refresh mark")
        verbose_name_plural = _("indicator refresh marks")

    def __str__(self) -> str:
        return f"{self.period_id} {self.period_to} {self.input_seq}"
