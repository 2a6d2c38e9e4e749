"""Activity 2 of the programme — the prevention system (issue 16): trainings of teachers, support
staff, youth workers and parents in recognising and preventing early leaving, with their
participants, attendance and certificates of participation.

Participants are staff accounts (registered for the school they work at) or external people by
name and organisation — never a personal code. A certificate is printed for each participant
marked present; its number is the training's year and its own, and the participant's number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pumpurs.core.models import PublicIdModel
from pumpurs.people.models import Institution, Municipality
from pumpurs.risk.models import RiskGroup


class Audience(models.TextChoices):
    TEACHERS = "teachers", _("teachers")
    SPECIALISTS = "specialists", _("support specialists")
    YOUTH_WORKERS = "youth_workers", _("youth workers")
    PARENTS = "parents", _("parents")


class Training(PublicIdModel):
    """A training event. ``municipality`` empty: organised by the national team for everyone."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    topic = models.TextField(_("topic"))
    organiser = models.CharField(_("organiser"), max_length=200)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    remote = models.BooleanField(_("remote"), default=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    # What the training cost the programme, in cents (activity 2's budget counts it as spent, finance).
    cost_cents = models.PositiveIntegerField(_("cost"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    attendance_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="prevention_training_dates"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="prevention_training_hours_positive"),
            models.CheckConstraint(condition=Q(remote=True) | ~Q(place=""), name="prevention_training_has_a_place"),
        ]

    def __str__(self) -> str:
        return self.title


class Participant(PublicIdModel):
    """One person on a training: a member of staff (``user`` and the school they came from) or an
    external person (``name`` and ``organisation`` only). The name is kept as registered, so a
    certificate prints the same name later. ``attended``: None until attendance is marked."""

    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="participants")
    number = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True)
    name = models.CharField(_("name"), max_length=150)
    organisation = models.CharField(_("organisation"), max_length=200)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField()
    attended = models.BooleanField(_("attended"), null=True)

    class Meta:
        ordering = ["training", "number"]
        constraints = [
            models.UniqueConstraint(fields=["training", "number"], name="prevention_participant_number_unique"),
            models.UniqueConstraint(
                fields=["training", "user"], condition=Q(user__isnull=False), name="prevention_participant_once"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(institution__isnull=False),
                name="prevention_staff_participant_has_school",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def certificate_number(self) -> str:
        return f"{self.training.starts_on.year}-{self.training_id}-{self.number}"


# --- The materials library ------------------------------------------------------------------------


class Language(models.TextChoices):
    LATVIAN = "lv", _("Latvian")
    ENGLISH = "en", _("English")
    RUSSIAN = "ru", _("Russian")


class Material(PublicIdModel):
    """A methodological material: a document or a link, with its versions (the newest is current),
    a language, an audience and the questionnaire's risk groups it serves. ``municipality`` empty:
    the national team's. Only signed-in users see the library; files are served by a view."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.LATVIAN)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.title


class MaterialTopic(models.Model):
    """One of the questionnaire's risk groups a material serves (``risk.RiskGroup``)."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="topics")
    group = models.CharField(max_length=20, choices=RiskGroup.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["material", "group"], name="prevention_material_topic_once")]

    def __str__(self) -> str:
        return self.group


class MaterialVersion(PublicIdModel):
    """One version: an uploaded file (checked like evidence files) or a link, never both."""

    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(_("file"), upload_to="materials/%Y/%m/", blank=True)
    url = models.URLField(_("link"), blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["material", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["material", "number"], name="prevention_material_version_unique"),
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="prevention_material_version_file_or_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material_id} v{self.number}"


class MaterialUse(models.Model):
    """A support plan's line names a material it used (issue 16). ``plan_line_id`` is the line's
    id in ``support`` — a sibling app this one may not import — so it is a plain number, not a
    foreign key; support checks who may change the plan and calls ``materials.plan_line_materials_set``
    through ``people.registry`` (decision 0027)."""

    plan_line_id = models.PositiveBigIntegerField(db_index=True)
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="uses")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["plan_line_id", "material__title"]
        constraints = [
            models.UniqueConstraint(fields=["plan_line_id", "material"], name="prevention_material_use_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan_line_id} → {self.material_id}"
