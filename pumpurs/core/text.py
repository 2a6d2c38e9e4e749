"""Case- and diacritic-insensitive matching of Latvian text, the same on SQLite and PostgreSQL.

Teachers type "berzins" for "Bērziņš" and "ĶĒNIŅA" for "Ķēniņa". ``Folded(expr)`` folds a
column in SQL (PostgreSQL: ``lower`` + ``translate`` of the Latvian letters; SQLite, whose
``lower`` knows only ASCII: a Python function registered on each connection), and ``fold()``
does the same to the search words in Python.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import CharField, Func

LATVIAN = "āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ"
PLAIN = "acegiklnsuzACEGIKLNSUZ"
SQLITE_FUNCTION = "pumpurs_fold"


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class Folded(Func):
    output_field = CharField()
    # PostgreSQL (and the default): lower-case, then map the Latvian letters to plain ones.
    template = f"lower(translate(%(expressions)s, '{LATVIAN}', '{PLAIN}'))"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template=f"{SQLITE_FUNCTION}(%(expressions)s)", **extra_context)


def _register(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 1, lambda v: None if v is None else fold(v), deterministic=True
        )


connection_created.connect(_register, dispatch_uid="pumpurs-fold")
