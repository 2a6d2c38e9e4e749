"""The materials library (issue 16, activity 2): every write, one transaction with its audit row.

Everyone signed in reads the library. The national team adds national materials and new versions
of them; a municipality coordinator those of their municipality. A version is a file (checked
by ``core.uploads`` in the form, like evidence files; written to storage only once its row
commits) or a link; versions are never replaced,
a new one is added (``material_version_add``) and the newest is current.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from pumpurs.audit.services import audit_record
from pumpurs.core.uploads import attach_on_commit
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Municipality, User
from pumpurs.prevention.models import Material, MaterialTopic, MaterialUse, MaterialVersion
from pumpurs.risk.models import RiskGroup


def materials_managed_by(user: Viewer) -> QuerySet[Material]:
    if access.is_national(user, Perm.MANAGE_MATERIALS):
        return Material.objects.filter(municipality__isnull=True)
    if not access.has_perm(user, Perm.MANAGE_MATERIALS):
        return Material.objects.none()
    return Material.objects.filter(municipality__in=access.municipalities_visible_to(user, Perm.MANAGE_MATERIALS))


def library(*, topic: str = "", audience: str = "", language: str = "") -> QuerySet[Material]:
    """The library, filtered; each material with its current version number."""
    rows = Material.objects.select_related("municipality").annotate(current=Max("versions__number"))
    if topic:
        rows = rows.filter(Q(topics__group=topic))
    if audience:
        rows = rows.filter(audience=audience)
    if language:
        rows = rows.filter(language=language)
    return rows.order_by("title")


def _check_source(file: UploadedFile[Any] | None, url: str) -> None:
    if bool(file) == bool(url.strip()):
        raise ValidationError(_("Give either a file or a link."))


def _add_version(
    *, actor: User, material: Material, file: UploadedFile[Any] | None, url: str, note: str, now: dt.datetime
) -> MaterialVersion:
    number = (MaterialVersion.objects.filter(material=material).aggregate(n=Max("number"))["n"] or 0) + 1
    version = MaterialVersion(
        material=material, number=number, url=url.strip(), note=note.strip(), added_by=actor, added_at=now
    )
    if not file:
        version.save()
        return version
    # The name is fixed in the version's own folder, the bytes written once the row commits: a
    # rolled-back transaction leaves no file behind (decisions 0027 and 0042).
    attach_on_commit(version, "file", file, folder=str(version.public_id))
    version.save()
    return version


@transaction.atomic
def material_create(
    *,
    actor: User,
    municipality: Municipality | None,
    title: str,
    description: str,
    language: str,
    audience: str,
    topics: list[str],
    file: UploadedFile[Any] | None,
    url: str,
    now: dt.datetime,
) -> Material:
    """A new material with its first version. Inverse: none (a library keeps its history)."""
    if municipality is None:
        if not access.is_national(actor, Perm.MANAGE_MATERIALS):
            raise PermissionDenied(_("Only the national team adds national materials."))
    elif not access.municipalities_visible_to(actor, Perm.MANAGE_MATERIALS).filter(pk=municipality.pk).exists():
        raise PermissionDenied(_("You do not add materials of this municipality."))
    _check_source(file, url)
    if any(t not in RiskGroup.values for t in topics):
        raise ValidationError(_("Choose the topics among the questionnaire's risk groups."))
    material = Material.objects.create(
        municipality=municipality,
        title=title.strip(),
        description=description.strip(),
        language=language,
        audience=audience,
        created_by=actor,
        created_at=now,
    )
    MaterialTopic.objects.bulk_create(MaterialTopic(material=material, group=t) for t in sorted(set(topics)))
    version = _add_version(actor=actor, material=material, file=file, url=url, note="", now=now)
    audit_record(
        actor=actor, action="prevention.material.created", target=material, data={"version": version.number}, at=now
    )
    return material


@transaction.atomic
def material_version_add(
    *, actor: User, material: Material, file: UploadedFile[Any] | None, url: str, note: str, now: dt.datetime
) -> MaterialVersion:
    """A new current version; the earlier ones stay readable in the history."""
    material = Material.objects.select_for_update().get(pk=material.pk)
    if not materials_managed_by(actor).filter(pk=material.pk).exists():
        raise PermissionDenied(_("You do not manage this material."))
    _check_source(file, url)
    if not note.strip():
        raise ValidationError(_("Say what changed in this version."))
    version = _add_version(actor=actor, material=material, file=file, url=url, note=note, now=now)
    audit_record(
        actor=actor,
        action="prevention.material.version_added",
        target=material,
        data={"version": version.number},
        at=now,
    )
    return version


def materials_of_lines(line_ids: list[int]) -> dict[int, list[Material]]:
    """The materials each plan line names, by line id: one query."""
    uses: dict[int, list[Material]] = {i: [] for i in line_ids}
    for use in MaterialUse.objects.filter(plan_line_id__in=line_ids).select_related("material"):
        uses[use.plan_line_id].append(use.material)
    return uses


@transaction.atomic
def plan_line_materials_set(actor: User, line: Any, chosen: list[str], now: dt.datetime) -> None:
    """The materials ``line`` (a support plan's line) used are ``chosen`` (public ids), replacing
    what it named. Support has checked that ``actor`` may change the plan; this refuses a material
    not in the library and writes nothing then. Audited on the pupil's trail."""
    try:
        wanted = {uuid.UUID(str(c)) for c in chosen}
    except ValueError:
        raise ValidationError(_("Choose the materials from the library.")) from None
    materials = list(Material.objects.filter(public_id__in=wanted))
    if len(materials) != len(wanted):
        raise ValidationError(_("Choose the materials from the library."))
    keep = {m.pk for m in materials}
    before = set(MaterialUse.objects.filter(plan_line_id=line.pk).values_list("material_id", flat=True))
    MaterialUse.objects.filter(plan_line_id=line.pk).exclude(material_id__in=keep).delete()
    MaterialUse.objects.bulk_create(
        MaterialUse(plan_line_id=line.pk, material=m, added_by=actor, added_at=now)
        for m in materials
        if m.pk not in before
    )
    audit_record(
        actor=actor,
        action="prevention.material.used",
        pupil_id=line.plan.case.pupil_id,
        target=line,
        data={"materials": sorted(str(m.public_id) for m in materials)},
        at=now,
    )
