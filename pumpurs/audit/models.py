"""The append-only audit trail: every write and every opening of a pupil's record."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only; erasure scrubs them with audit_scrub_pupil.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only and are never deleted.")


class AuditEvent(models.Model):
    """One thing that happened. ``action`` is a dotted code such as ``people.pupil.viewed``.

    The pupil is referenced by id without a foreign key so that the trail outlives the record it
    describes (erasure scrubs the trail's personal detail, never its rows).
    """

    # The moment of the change; a seed writing history passes the story's moment (decision 0013).
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    # Kept even if the account is removed later, so the trail still says who it was.
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    pupil_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The hash chain (decision 0025): ``seq`` numbers events in commit order, ``prev_hash`` is the
    # previous event's ``hash``, and ``hash`` covers this event's columns and ``data_digest`` — the
    # digest of ``data`` as written, which outlives an erasure that scrubs ``data`` (``scrubbed_at``).
    seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    data_digest = models.CharField(max_length=64)
    scrubbed_at = models.DateTimeField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
            # The refresh's idle check asks, per input action, for its last number (risk.unchanged):
            # one backward probe of this index each, whatever the size of the trail (decision 0048).
            models.Index(fields=["action", "seq"], name="audit_action_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The only guard in a save(): an event once written is never changed.
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only and are never deleted.")


class AuditChainHead(models.Model):
    """The chain's last link, one row (``id`` 1): the ``seq`` and ``hash`` of the newest event.

    Appending locks this row (``SELECT … FOR UPDATE``) until the transaction commits, so events are
    numbered in commit order and two writers never link to the same predecessor (decision 0025)."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash[:12]}"
