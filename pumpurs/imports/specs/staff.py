"""Staff and their roles: ``first_name, last_name, role, institution_code, class, email`` plus an
optional ``municipality_code`` (for municipality coordinators) and ``specialist_kind``.

Each row gives one person one role at one place. A new e-mail address creates an account and sends
its owner an invitation; a known one gets the role; a row whose person already holds the role
(and, for a class teacher, leads the class) changes nothing, so the same file twice changes
nothing. Every row is checked against the whole file and the grant policy (``access.may_grant``)
before anything is written; then the people services (``people.staff``) write, each with its
audit event. A school or municipality outside the importer's scope is reported as unknown, as the
pupil roster does: the file learns nothing about what lies outside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from pumpurs.imports.specs.base import Column, ImportSpec
from pumpurs.imports.specs.register import RowErrors, cell, folded
from pumpurs.people import access
from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import (
    INSTITUTION_ROLES,
    MUNICIPALITY_ROLES,
    ClassGroup,
    Institution,
    Municipality,
    Role,
    RoleGrant,
    SpecialistKind,
    User,
)
from pumpurs.people.staff import class_teacher_set, role_grant_create, staff_invite

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext
    from pumpurs.imports.result import ImportResult

# Role cells, folded (case and diacritics ignored): the code names and the Latvian ones.
ROLES = {
    **{folded(r.value): r.value for r in Role},
    "klases_audzinatajs": Role.CLASS_TEACHER,
    "klases_audzinataja": Role.CLASS_TEACHER,
    "audzinatajs": Role.CLASS_TEACHER,
    "specialists": Role.SPECIALIST,
    "specialiste": Role.SPECIALIST,
    "iestades_koordinators": Role.SCHOOL_COORDINATOR,
    "iestades_koordinatore": Role.SCHOOL_COORDINATOR,
    "skolas_koordinators": Role.SCHOOL_COORDINATOR,
    "direktors": Role.DIRECTOR,
    "direktore": Role.DIRECTOR,
    "pasvaldibas_koordinators": Role.MUNICIPALITY_COORDINATOR,
    "pasvaldibas_koordinatore": Role.MUNICIPALITY_COORDINATOR,
    "valsts_programma": Role.NATIONAL_PROGRAMME,
    "ikvd": Role.NATIONAL_PROGRAMME,
    "datu_aizsardzibas_specialists": Role.DATA_PROTECTION_OFFICER,
    "das": Role.DATA_PROTECTION_OFFICER,
    "sistemas_administrators": Role.SYSTEM_ADMIN,
}
SPECIALIST_KINDS = {
    **{folded(k.value): k.value for k in SpecialistKind},
    "psihologs": SpecialistKind.PSYCHOLOGIST,
    "socialais_pedagogs": SpecialistKind.SOCIAL_PEDAGOGUE,
    "logopeds": SpecialistKind.SPEECH_THERAPIST,
    "specialais_pedagogs": SpecialistKind.SPECIAL_EDUCATION_TEACHER,
    "skolotaja_paligs": SpecialistKind.TEACHERS_ASSISTANT,
    "pedagoga_paligs": SpecialistKind.TEACHERS_ASSISTANT,
    "skolotajs": SpecialistKind.TEACHER,
    "surdotulks": SpecialistKind.SIGN_LANGUAGE_INTERPRETER,
    "asistents": SpecialistKind.ASSISTANT,
    "ergoterapeits": SpecialistKind.OCCUPATIONAL_THERAPIST,
}


@dataclass
class StaffRow:
    row: int
    email: str
    first_name: str
    last_name: str
    role: str
    specialist_kind: str
    institution: Institution | None
    municipality: Municipality | None
    class_group: ClassGroup | None


def _apply(
    *, rows: pl.DataFrame, ctx: ImportContext, result: ImportResult, dry_run: bool = False
) -> list[pl.DataFrame]:
    # A dry run writes too: its counts come from the writes, which the engine then rolls back.
    errors = RowErrors()
    schools = {i.code: i for i in access.staff_institutions_of(ctx.actor)}
    municipalities = {m.code: m for m in access.staff_municipalities_of(ctx.actor)}
    if access.is_national(ctx.actor, access.Perm.MANAGE_STAFF):
        municipalities = {m.code: m for m in Municipality.objects.all()}
    year = school_year_on(ctx.today)
    classes = {
        (c.institution_id, folded(c.name)): c
        for c in ClassGroup.objects.filter(school_year=year, institution__in=list(schools.values()))
    }
    entries = [_entry(row, schools, municipalities, classes, ctx, errors) for row in rows.iter_rows(named=True)]
    _whole_file(entries, errors)
    if errors.items:
        return errors.frames()
    for entry in entries:
        assert entry is not None  # a row that could not be read is an error above
        _write(entry, ctx, result)
    return []


def _entry(
    row: dict[str, Any],
    schools: dict[str, Institution],
    municipalities: dict[str, Municipality],
    classes: dict[tuple[int, str], ClassGroup],
    ctx: ImportContext,
    errors: RowErrors,
) -> StaffRow | None:
    n = int(row["_row"])
    before = len(errors.items)
    for name in ("first_name", "last_name", "email", "role"):
        if not cell(row, name):
            errors.add(n, name, "required", _("The cell is empty: fill in %(column)s.") % {"column": name})
    email = cell(row, "email").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add(n, "email", "email_invalid", _("'%(value)s' is not an e-mail address.") % {"value": email})
    role = ROLES.get(folded(cell(row, "role")))
    if cell(row, "role") and role is None:
        errors.add(
            n,
            "role",
            "role_invalid",
            _("'%(value)s' is not a role: use e.g. klases audzinātājs, speciālists, direktors.")
            % {"value": cell(row, "role")},
        )
    kind = ""
    if role == Role.SPECIALIST:
        kind = SPECIALIST_KINDS.get(folded(cell(row, "specialist_kind")), "")
        if not kind:
            errors.add(
                n,
                "specialist_kind",
                "specialist_kind_invalid",
                _("'%(value)s' is not a specialist kind: use e.g. psihologs, logopēds, sociālais pedagogs.")
                % {"value": cell(row, "specialist_kind")},
            )
    institution = municipality = None
    class_group = None
    if role in INSTITUTION_ROLES:
        institution = schools.get(cell(row, "institution_code"))
        if institution is None:
            errors.add(
                n,
                "institution_code",
                "institution_unknown",
                _("'%(value)s' is not the registration number of a school whose staff you manage.")
                % {"value": cell(row, "institution_code")},
            )
        if cell(row, "class") and role != Role.CLASS_TEACHER:
            errors.add(n, "class", "class_not_allowed", _("Only a class teacher leads a class: leave the cell empty."))
        elif cell(row, "class") and institution is not None:
            class_group = classes.get((institution.pk, folded(cell(row, "class"))))
            if class_group is None:
                errors.add(
                    n,
                    "class",
                    "class_unknown",
                    _("%(value)s is not a class of this school in the current school year.")
                    % {"value": cell(row, "class")},
                )
    elif role in MUNICIPALITY_ROLES:
        municipality = municipalities.get(cell(row, "municipality_code"))
        if municipality is None:
            errors.add(
                n,
                "municipality_code",
                "municipality_unknown",
                _("'%(value)s' is not the code of a municipality whose staff you manage.")
                % {"value": cell(row, "municipality_code")},
            )
    # Asked only of a row read in full: the policy's answer names the role, never what lies outside.
    if (
        role is not None
        and len(errors.items) == before
        and not access.may_grant(ctx.actor, role, institution=institution, municipality=municipality)
    ):
        errors.add(
            n,
            "role",
            "role_not_allowed",
            _("You may not grant the role %(role)s there.") % {"role": Role(role).label},
        )
    if len(errors.items) > before or role is None:
        return None
    return StaffRow(
        row=n,
        email=email,
        first_name=cell(row, "first_name"),
        last_name=cell(row, "last_name"),
        role=role,
        specialist_kind=kind,
        institution=institution,
        municipality=municipality,
        class_group=class_group,
    )


def _whole_file(entries: list[StaffRow | None], errors: RowErrors) -> None:
    """What only the whole file shows: a row given twice, one class led by two people, and
    accounts that cannot take a role (deactivated ones)."""
    seen: dict[tuple[object, ...], int] = {}
    leads: dict[int, int] = {}
    present = [e for e in entries if e is not None]
    wanted = [e.email for e in present]
    accounts = {
        u.email.lower(): u for u in User.objects.annotate(folded_email=Lower("email")).filter(folded_email__in=wanted)
    }
    for entry in present:
        key = (entry.email, entry.role, entry.specialist_kind, entry.institution, entry.municipality)
        if key in seen:
            errors.add(
                entry.row,
                "email",
                "duplicate_row",
                _("This row repeats row %(first)s (the same person and role): keep one of them.")
                % {"first": seen[key]},
            )
            continue
        seen[key] = entry.row
        if entry.class_group is not None:
            first = leads.setdefault(entry.class_group.pk, entry.row)
            if first != entry.row:
                errors.add(
                    entry.row,
                    "class",
                    "class_twice",
                    _("Class %(cls)s is already given a class teacher on row %(first)s.")
                    % {"cls": entry.class_group.name, "first": first},
                )
        account = accounts.get(entry.email)
        if account is not None and not account.is_active:
            errors.add(
                entry.row,
                "email",
                "account_deactivated",
                _("The account %(email)s is deactivated: reactivate it on the staff page first.")
                % {"email": entry.email},
            )


def _write(entry: StaffRow, ctx: ImportContext, result: ImportResult) -> None:
    user = User.objects.filter(email__iexact=entry.email).first()
    if user is None:
        user = staff_invite(
            actor=ctx.actor,
            email=entry.email,
            first_name=entry.first_name,
            last_name=entry.last_name,
            role=entry.role,
            institution=entry.institution,
            municipality=entry.municipality,
            specialist_kind=entry.specialist_kind,
        )
        changed, created = False, True
    else:
        created = False
        changed = not RoleGrant.objects.filter(
            user=user,
            role=entry.role,
            specialist_kind=entry.specialist_kind,
            institution=entry.institution,
            municipality=entry.municipality,
        ).exists()
        if changed:
            role_grant_create(
                actor=ctx.actor,
                user=user,
                role=entry.role,
                institution=entry.institution,
                municipality=entry.municipality,
                specialist_kind=entry.specialist_kind,
            )
    if entry.class_group is not None and entry.class_group.class_teacher_id != user.pk:
        class_teacher_set(actor=ctx.actor, class_group=entry.class_group, teacher=user)
        entry.class_group.class_teacher = user
        changed = True
    if created:
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1


STAFF = ImportSpec(
    kind="staff",
    shape="staff",
    columns=(
        Column("first_name", ("vārds",)),
        Column("last_name", ("uzvārds",)),
        Column("role", ("loma",)),
        Column("institution_code", ("iestādes_kods", "iestāde", "reģistrācijas_numurs"), required=False),
        Column("municipality_code", ("pašvaldības_kods", "pašvaldība"), required=False),
        Column("specialist_kind", ("speciālista_veids", "specialitāte"), required=False),
        Column("class", ("klase",), required=False, max_chars=20),
        Column("email", ("e_pasts", "e-pasts", "epasts"), max_chars=254),
    ),
    apply_rows=_apply,
)
