"""People and organisations: who the pupils are, where they learn, who works with them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pumpurs.audit.identity import AuditIdentity
from pumpurs.core import crypto
from pumpurs.core.display import semester_text
from pumpurs.core.models import PublicIdModel, TimestampedModel


class User(PublicIdModel, AbstractUser):
    """A member of staff (or, later, a parent). What they may see comes from their role grants."""

    # A work phone the family print gives beside the e-mail (issue 13), in the international form
    # ``+37120000000``; ``people.staff.phone_clean`` decides what is a phone number.
    phone = models.CharField(_("phone"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def audit_identity(self) -> AuditIdentity:
        """A person acts as themselves (the audit trail's ``AuditActor``)."""
        return AuditIdentity(user=self, name=self.get_username())


class Municipality(PublicIdModel):
    """One of Latvia's 43 local governments since 1 July 2021 (7 state cities + 36 novadi)."""

    class Kind(models.TextChoices):
        STATE_CITY = "state_city", _("state city")
        NOVADS = "novads", _("municipality (novads)")

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    name_en = models.CharField(_("name in English"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Institution(PublicIdModel, TimestampedModel):
    """A school. ``code`` is its registration number in the register of educational institutions."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("general education")
        VOCATIONAL = "vocational", _("vocational education")
        OTHER = "other", _("other")

    code = models.CharField(_("registration number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    founder = models.CharField(_("founder"), max_length=200, blank=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="institutions")
    # Grades 1–12 for general education; courses 1–4 for vocational schools.
    grade_min = models.PositiveSmallIntegerField(_("lowest grade or course"), default=1)
    grade_max = models.PositiveSmallIntegerField(_("highest grade or course"), default=9)
    # Cabinet Regulation No. 89: the school contacts the parents the same day when a pupil is
    # absent without a known reason. Schools that do it through PuMPuRS switch this on.
    same_day_absence_notices = models.BooleanField(_("same-day absence notices to guardians"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_min__gte=1, grade_max__lte=12, grade_min__lte=models.F("grade_max")),
                name="institution_grades_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind="vocational") | Q(grade_max__lte=4), name="institution_vocational_courses_1_4"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolYear(models.Model):
    """A school year as set by Cabinet regulation; dates that were not published are estimates."""

    name = models.CharField(max_length=9, unique=True)  # "2024/25"
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_estimated = models.BooleanField(
        _("dates estimated"),
        default=False,
        help_text=_("True when the dates follow the usual pattern, not a regulation."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    # Grades 9 and 12 finish later, with their examinations (the regulation gives their own dates).
    grade9_ends_on = models.DateField(_("grade 9 ends on"), null=True, blank=True)
    grade12_ends_on = models.DateField(_("grade 12 ends on"), null=True, blank=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lt=models.F("ends_on")), name="school_year_dates_ordered")
        ]

    def __str__(self) -> str:
        return self.name


class Period(models.Model):
    """A semester of a school year."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(_("semester"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_estimated = models.BooleanField(_("dates estimated"), default=False)

    class Meta:
        ordering = ["school_year__starts_on", "number"]
        verbose_name = _("semester")
        verbose_name_plural = _("semesters")
        constraints = [
            models.UniqueConstraint(fields=["school_year", "number"], name="period_unique_number"),
            models.CheckConstraint(condition=Q(starts_on__lt=models.F("ends_on")), name="period_dates_ordered"),
        ]

    def __str__(self) -> str:
        # The one semester format, in the reader's language (issue 13).
        return semester_text(self.number, self.school_year.name)


class ClassGroup(PublicIdModel):
    """A class ("7.a") of one institution in one school year."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="class_groups")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="class_groups")
    grade = models.PositiveSmallIntegerField(_("grade or course"))
    name = models.CharField(_("name"), max_length=20)
    class_teacher = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="classes_taught",
        verbose_name=_("class teacher"),
    )

    class Meta:
        ordering = ["grade", "name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["institution", "school_year", "name"], name="class_unique_name_per_year"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="class_grade_1_12"),
        ]

    def __str__(self) -> str:
        return self.name


class Pupil(PublicIdModel, TimestampedModel):
    """A learner. The personal code is stored encrypted; ``personal_code_hash`` finds exact matches."""

    class Gender(models.TextChoices):
        FEMALE = "F", _("female")
        MALE = "M", _("male")
        UNKNOWN = "U", _("not recorded")

    personal_code_encrypted = models.TextField()
    personal_code_hash = models.CharField(max_length=64, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    # Used only to audit flags for unequal error rates, never as a scoring input (DESIGN §7).
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, default=Gender.UNKNOWN)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        indexes = [models.Index(fields=["last_name", "first_name"], name="pupil_name_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def personal_code(self) -> str:
        return crypto.decrypt(self.personal_code_encrypted)


class Enrolment(models.Model):
    """A pupil's membership of a class from a date, until a date and a reason."""

    class EndReason(models.TextChoices):
        COMPLETED = "completed", _("completed the programme")
        CLASS_CHANGED = "class_changed", _("moved to another class")
        TRANSFERRED = "transferred", _("transferred to another school")
        MOVED_ABROAD = "moved_abroad", _("moved abroad")
        LEFT = "left", _("left without completing")
        OTHER = "other", _("other")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="enrolments")
    # Denormalised from class_group so that scope filters need no join through classes.
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="enrolments")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=16, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="enrolment_dates_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(ends_on__isnull=True) & Q(end_reason="")) | (Q(ends_on__isnull=False) & ~Q(end_reason="")),
                name="enrolment_end_has_reason",
            ),
            # At most one open enrolment per pupil: a pupil is in one class at a time.
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(ends_on__isnull=True), name="enrolment_one_open_per_pupil"
            ),
        ]
        indexes = [models.Index(fields=["class_group", "ends_on"], name="enrolment_class_idx")]

    def __str__(self) -> str:
        return f"{self.class_group} {self.starts_on}–{self.ends_on or ''}"


class Guardian(PublicIdModel):
    """A parent or other legal representative of one pupil."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        GUARDIAN = "guardian", _("guardian")
        FOSTER = "foster", _("foster parent")
        OTHER = "other", _("other")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardians")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    out_of_family_care = models.BooleanField(
        _("out-of-family care"),
        default=False,
        help_text=_("The pupil lives in foster, guardianship or institutional care."),
    )

    class Meta:
        ordering = ["relation", "last_name"]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Role(models.TextChoices):
    CLASS_TEACHER = "class_teacher", _("class teacher")
    SPECIALIST = "specialist", _("specialist")
    SCHOOL_COORDINATOR = "school_coordinator", _("school coordinator")
    DIRECTOR = "director", _("director")
    MUNICIPALITY_COORDINATOR = "municipality_coordinator", _("municipality coordinator")
    NATIONAL_PROGRAMME = "national_programme", _("national programme")
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("data protection officer")
    SYSTEM_ADMIN = "system_admin", _("system administrator")


class SpecialistKind(models.TextChoices):
    PSYCHOLOGIST = "psychologist", _("psychologist")
    SOCIAL_PEDAGOGUE = "social_pedagogue", _("social pedagogue")
    SPEECH_THERAPIST = "speech_therapist", _("speech therapist")
    SPECIAL_EDUCATION_TEACHER = "special_education_teacher", _("special-education teacher")
    TEACHERS_ASSISTANT = "teachers_assistant", _("teacher's assistant")
    TEACHER = "teacher", _("teacher")
    SIGN_LANGUAGE_INTERPRETER = "sign_language_interpreter", _("sign-language interpreter")
    ASSISTANT = "assistant", _("assistant")
    OCCUPATIONAL_THERAPIST = "occupational_therapist", _("occupational therapist")


INSTITUTION_ROLES = (Role.CLASS_TEACHER, Role.SPECIALIST, Role.SCHOOL_COORDINATOR, Role.DIRECTOR)
MUNICIPALITY_ROLES = (Role.MUNICIPALITY_COORDINATOR,)
NATIONAL_ROLES = (Role.NATIONAL_PROGRAMME, Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMIN)


class RoleGrant(models.Model):
    """A role held by a user within a scope: one institution, one municipality, or the whole country."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    specialist_kind = models.CharField(_("specialist kind"), max_length=32, choices=SpecialistKind.choices, blank=True)
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, null=True, blank=True, related_name="role_grants"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="role_grants"
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            # The scope must fit the role: a school role names a school and nothing else, and so on.
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=[r.value for r in INSTITUTION_ROLES],
                        institution__isnull=False,
                        municipality__isnull=True,
                    )
                    | Q(
                        role__in=[r.value for r in MUNICIPALITY_ROLES],
                        institution__isnull=True,
                        municipality__isnull=False,
                    )
                    | Q(role__in=[r.value for r in NATIONAL_ROLES], institution__isnull=True, municipality__isnull=True)
                ),
                name="role_grant_scope_fits_role",
            ),
            models.CheckConstraint(
                condition=Q(role="specialist", specialist_kind__gt="")
                | (~Q(role="specialist") & Q(specialist_kind="")),
                name="role_grant_specialist_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "specialist_kind", "institution"],
                condition=Q(institution__isnull=False),
                name="role_grant_unique_institution",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=Q(municipality__isnull=False),
                name="role_grant_unique_municipality",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(institution__isnull=True, municipality__isnull=True),
                name="role_grant_unique_national",
            ),
        ]

    def __str__(self) -> str:
        scope = self.institution or self.municipality or _("national")
        return f"{self.get_role_display()} — {scope}"


class Invitation(models.Model):
    """A one-time set-password link sent to a new member of staff (issue 12, decision 0016).

    Only a hash of the link's token is kept: a copy of the database opens no account. The link
    works once (``used_at``) and until ``expires_at``; issuing a new one for the same person ends
    the old ones."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(condition=Q(created_at__lt=models.F("expires_at")), name="invitation_expires_later")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class SignInThrottle(models.Model):
    """Sign-in attempts of one username from one address that have not (yet) succeeded (issue 17
    M8, decision 0026). ``attempts`` counts a guess *before* its password is checked, under a row
    lock, so parallel guesses cannot slip past the limit; a success deletes the row. Past
    ``allowance`` the pair waits until ``blocked_until``, twice as long after each further failure.
    Another address — the rightful user at home — has its own row and is never blocked by this one."""

    username = models.CharField(max_length=150)  # as typed, lower-cased; it may name no account
    address = models.CharField(max_length=45, blank=True)  # "" when the client's address is unknown
    attempts = models.PositiveIntegerField(default=0)
    allowance = models.PositiveIntegerField()
    blocked_until = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        constraints = [models.UniqueConstraint(fields=["username", "address"], name="signin_throttle_pair")]
        indexes = [models.Index(fields=["address", "last_at"], name="signin_throttle_address_idx")]

    def __str__(self) -> str:
        return f"{self.username}@{self.address or '?'}: {self.attempts}"


class RecoveryCode(models.Model):
    """A one-time way back for a person who lost the phone with their authenticator app (decision
    0035): ten are made when the app is set up and shown once; only their keyed hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.user_id} {'used' if self.used_at else 'unused'}"


class EmergencyAccess(models.Model):
    """Break-the-glass (decision 0035): a person whose role sees a pupil's risk record only as a
    count opens one pupil's for a few hours, saying why. Kept for the data protection officer's
    review; never changed after it is opened."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="emergency_accesses")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="emergency_accesses")
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField(_("opened"))
    until = models.DateTimeField(_("until"))

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        indexes = [models.Index(fields=["user", "until"], name="emergency_user_until_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(until__gt=models.F("opened_at")), name="emergency_ends_later")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.pupil_id} until {self.until:%Y-%m-%d %H:%M}"
