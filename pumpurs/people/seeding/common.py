"""Shared machinery of the presets: deterministic row generation and a set-based writer.

Every row is generated in Python from one ``random.Random(seed)`` — public UUIDs and integer keys
included — and written at the end in one go: PostgreSQL gets ``COPY … FROM STDIN`` per table,
other databases ``bulk_create``. Integer keys are assigned here (continuing after the highest key
already in the table) so that pupils, their enrolments and guardians can refer to each other
without a round trip per row; on PostgreSQL the identity sequences are moved past them afterwards.

Only two things differ between runs with the same seed and date: the ciphertext of personal codes
(Fernet uses a random IV by design) and the created/updated timestamps.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.utils import timezone

from pumpurs.core import crypto
from pumpurs.people.models import (
    ClassGroup,
    Enrolment,
    Guardian,
    Institution,
    Pupil,
    Role,
    RoleGrant,
    SchoolYear,
    User,
)
from pumpurs.people.personal_code import NEW_FORMAT_FROM, synthetic_code
from pumpurs.people.seeding.names import FEMALE_FIRST, MALE_FIRST, SURNAMES, ascii_slug

DEMO_PASSWORD = "demo"  # noqa: S105 — the documented password of every synthetic demo account
MAX_CLASS_SIZE = 30
OUT_OF_FAMILY_CARE_SHARE = 0.02
LATER_START_SHARE = 0.03
OLDER_THAN_GRADE_SHARE = 0.04

_REQUIRED = object()


class Table:
    """Rows of one model, kept as tuples in the order of the model's concrete columns."""

    def __init__(self, model: type[models.Model], first_id: int, now: dt.datetime) -> None:
        self.model = model
        self.next_id = first_id
        self.rows: list[tuple[Any, ...]] = []
        self.fields = list(model._meta.concrete_fields)
        self._defaults: list[tuple[str, Any]] = []
        for f in self.fields:
            if f.attname in {"id", "public_id"}:
                default: Any = _REQUIRED
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default = now
            else:
                default = f.get_default()
            self._defaults.append((f.attname, default))
        self.columns = [name for name, _ in self._defaults]
        self.db_columns = [f"{f.column}" for f in self.fields]  # concrete fields always have a column

    def add(self, **values: Any) -> int:
        """Append one row and return its primary key; missing columns take the field default."""
        pk = values["id"] = self.next_id
        self.next_id += 1
        row = tuple(values.get(name, default) for name, default in self._defaults)
        if _REQUIRED in row:
            missing = [name for name, default in self._defaults if default is _REQUIRED and name not in values]
            raise ValueError(f"{self.model.__name__} row is missing {missing}")
        self.rows.append(row)
        return pk

    def write(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            self._copy()
        else:
            model = self.model
            model._default_manager.bulk_create(
                (model(**dict(zip(self.columns, row, strict=True))) for row in self.rows), batch_size=2000
            )

    def _copy(self) -> None:
        qn = connection.ops.quote_name
        table = self.model._meta.db_table
        columns = ", ".join(qn(column) for column in self.db_columns)
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
            # Explicit keys do not move the identity sequence: move it past the last one we used
            # (never backwards, should another writer have taken keys meanwhile).
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM {sequence})))",  # noqa: S608 — name from PostgreSQL
                [sequence, self.next_id - 1],
            )


def _first_free_id(model: type[models.Model]) -> int:
    qn = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(table)}")  # noqa: S608 — table name from the model
        first = int(cursor.fetchone()[0]) + 1
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            first = max(first, int(cursor.fetchone()[0]))
    return first


class PersonalCodes:
    """Valid-format, unique synthetic personal codes (old format before 1.7.2017, new after)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.next_serial: dict[dt.date, int] = {}
        self.new_serial = 100_000_000 + rng.randrange(100_000_000)

    def issue(self, birth: dt.date) -> str:
        while True:
            if birth >= NEW_FORMAT_FROM:
                self.new_serial += 1 + self.rng.randrange(40)
                code = synthetic_code(birth, self.new_serial)
            else:
                serial = self.next_serial.get(birth, self.rng.randrange(600))
                code = synthetic_code(birth, serial)
                self.next_serial[birth] = serial + 1
            if code not in self.used:
                self.used.add(code)
                return code


@dataclass
class Builder:
    """Everything one seeding run creates, before it is written."""

    seed: int
    today: dt.date
    year: SchoolYear
    rng: random.Random = field(init=False)
    tables: dict[str, Table] = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        now = timezone.now()
        models_in_order: Sequence[tuple[str, type[models.Model]]] = (
            ("users", User),
            ("institutions", Institution),
            ("role_grants", RoleGrant),
            ("classes", ClassGroup),
            ("pupils", Pupil),
            ("enrolments", Enrolment),
            ("guardians", Guardian),
        )
        self.tables = {name: Table(model, _first_free_id(model), now) for name, model in models_in_order}
        self.codes = PersonalCodes(self.rng)
        # One hash for every account: hashing is deliberately slow. The salt comes from the seed
        # so that equal seeds give equal rows; the password is public ("demo") anyway.
        salt = "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(22))
        self.password_hash = make_password(DEMO_PASSWORD, salt=salt)
        self.municipality_ids: set[int] = set()

    # --- identities ---------------------------------------------------------------------------

    def public_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def name(self, gender: str) -> tuple[str, str]:
        surname = self.rng.choice(SURNAMES)
        if gender == Pupil.Gender.FEMALE:
            return self.rng.choice(FEMALE_FIRST), surname[1]
        return self.rng.choice(MALE_FIRST), surname[0]

    # --- organisations and staff ----------------------------------------------------------------

    def institution(self, *, code: str, name: str, municipality_id: int, founder: str, **extra: Any) -> int:
        self.municipality_ids.add(municipality_id)
        return self.tables["institutions"].add(
            public_id=self.public_id(),
            code=code,
            name=name,
            founder=founder,
            municipality_id=municipality_id,
            **extra,
        )

    def user(self, username: str, first_name: str = "", last_name: str = "", *, female_share: float = 0.5) -> int:
        if not first_name:
            gender = Pupil.Gender.FEMALE if self.rng.random() < female_share else Pupil.Gender.MALE
            first_name, last_name = self.name(gender)
        return self.tables["users"].add(
            public_id=self.public_id(),
            username=username,
            password=self.password_hash,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@example.lv",
        )

    def grant(
        self,
        user_id: int,
        role: Role,
        *,
        institution_id: int | None = None,
        municipality_id: int | None = None,
        specialist_kind: str = "",
    ) -> None:
        self.tables["role_grants"].add(
            user_id=user_id,
            role=role.value,
            institution_id=institution_id,
            municipality_id=municipality_id,
            specialist_kind=specialist_kind,
        )

    def class_group(self, *, institution_id: int, grade: int, name: str, teacher_id: int | None) -> int:
        return self.tables["classes"].add(
            public_id=self.public_id(),
            institution_id=institution_id,
            school_year_id=self.year.pk,
            grade=grade,
            name=name,
            class_teacher_id=teacher_id,
        )

    # --- pupils ---------------------------------------------------------------------------------

    def birth_date(self, birth_year: int) -> dt.date:
        if self.rng.random() < OLDER_THAN_GRADE_SHARE:
            birth_year -= 1  # started school a year later or repeated a grade
        return dt.date(birth_year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))

    def enrolment_start(self) -> dt.date:
        starts = self.year.starts_on
        span = (min(self.today, self.year.ends_on) - starts).days
        if span > 0 and self.rng.random() < LATER_START_SHARE:
            return starts + dt.timedelta(days=self.rng.randint(1, span))
        return starts

    def pupil(self, *, class_id: int, institution_id: int, birth_year: int) -> int:
        """One pupil with an open enrolment in the class and one or two guardians."""
        rng = self.rng
        gender = Pupil.Gender.FEMALE if rng.random() < 0.5 else Pupil.Gender.MALE
        surname = rng.choice(SURNAMES)
        if gender == Pupil.Gender.FEMALE:
            first, last = rng.choice(FEMALE_FIRST), surname[1]
        else:
            first, last = rng.choice(MALE_FIRST), surname[0]
        birth = self.birth_date(birth_year)
        code = self.codes.issue(birth)
        pupil_id = self.tables["pupils"].add(
            public_id=self.public_id(),
            personal_code_encrypted=crypto.encrypt(code),
            personal_code_hash=crypto.lookup_hash(code),
            first_name=first,
            last_name=last,
            birth_date=birth,
            gender=gender,
        )
        self.tables["enrolments"].add(
            pupil_id=pupil_id, class_group_id=class_id, institution_id=institution_id, starts_on=self.enrolment_start()
        )
        self._guardians(pupil_id, surname)
        return pupil_id

    def _guardians(self, pupil_id: int, family: tuple[str, str]) -> None:
        rng = self.rng
        draw = rng.random()
        if draw < OUT_OF_FAMILY_CARE_SHARE:
            relation = rng.choice((Guardian.Relation.GUARDIAN, Guardian.Relation.FOSTER))
            first, last = self.name(Pupil.Gender.FEMALE if rng.random() < 0.7 else Pupil.Gender.MALE)
            self._guardian(pupil_id, first, last, relation, out_of_family_care=True)
            return
        mother = draw < 0.92
        father = draw < 0.70 or draw >= 0.92
        if mother:
            # Some mothers kept their own surname.
            last = family[1] if rng.random() < 0.9 else rng.choice(SURNAMES)[1]
            self._guardian(pupil_id, rng.choice(FEMALE_FIRST), last, Guardian.Relation.MOTHER)
        if father:
            self._guardian(pupil_id, rng.choice(MALE_FIRST), family[0], Guardian.Relation.FATHER)

    def _guardian(
        self, pupil_id: int, first: str, last: str, relation: str, *, out_of_family_care: bool = False
    ) -> None:
        rng = self.rng
        phone = f"+371 2{rng.randrange(10**7):07d}"
        email = f"{ascii_slug(first)}.{ascii_slug(last)}{rng.randrange(100)}@example.lv" if rng.random() < 0.8 else ""
        self.tables["guardians"].add(
            public_id=self.public_id(),
            pupil_id=pupil_id,
            first_name=first,
            last_name=last,
            relation=relation,
            phone=phone,
            email=email,
            out_of_family_care=out_of_family_care,
        )

    # --- output ---------------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        for table in self.tables.values():
            table.write()
        counts = {name: len(table.rows) for name, table in self.tables.items()}
        counts["municipalities"] = len(self.municipality_ids)
        return counts


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder, ties by order)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def split_evenly(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def classes_for(pupils: int) -> int:
    return max(1, math.ceil(pupils / MAX_CLASS_SIZE))


def class_slug(name: str) -> str:
    """``7.a`` → ``7a``, ``7.`` → ``7``: the class part of a class teacher's user name."""
    return ascii_slug(name).replace(".", "")
