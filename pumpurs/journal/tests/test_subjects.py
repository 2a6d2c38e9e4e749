"""The list of subjects is data: shipped with Latvian defaults, changed by command, audited."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pumpurs.audit.models import AuditEvent
from pumpurs.journal.models import Subject


@pytest.mark.django_db
def test_defaults_are_latvian_and_the_list_can_change() -> None:
    assert Subject.objects.filter(name="Latviešu valoda", is_active=True).exists()
    call_command("subjects", "add", "Astronomija", stdout=StringIO())
    assert Subject.objects.get(code="astronomija").is_active
    with pytest.raises(CommandError) as twice:
        call_command("subjects", "add", "astronomija", stdout=StringIO())
    assert twice.value.returncode == 2
    call_command("subjects", "deactivate", "astronomija", stdout=StringIO())
    assert not Subject.objects.get(code="astronomija").is_active
    actions = list(
        AuditEvent.objects.filter(action__startswith="journal.subject.").values_list("action", flat=True).order_by("id")
    )
    assert actions == ["journal.subject.added", "journal.subject.deactivated"]
    out = StringIO()
    call_command("subjects", "list", stdout=out)
    assert "Ķīmija" in out.getvalue()
