"""Base model mixins. No domain logic lives here."""

from __future__ import annotations

import uuid

from django.db import models


class PublicIdModel(models.Model):
    """Integer keys stay inside the server; URLs and exports use this UUID."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SubmissionKey(models.Model):
    """One submission of a create form or API ``POST``, claimed before the view runs (issue 17 M2).

    A form carries a fresh ``submission_key`` per render (``{% submission_key %}``); an API client
    sends ``Idempotency-Key``. The first request with a key claims it; a second one with the same
    key (a double click, a retried request) is answered from the first's outcome and writes
    nothing. ``scope`` is who submitted (the account, or a hash of the API credentials), so one
    person's key never answers another's request. See ``core/middleware.py``."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # None while the first is in flight
    location = models.CharField(max_length=500, blank=True)  # where a form's success redirected
    body = models.TextField(blank=True)  # an API response's JSON, replayed as it was

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="submission_key_once")]
        indexes = [models.Index(fields=["created_at"], name="submission_key_created_idx")]

    def __str__(self) -> str:
        return f"{self.scope[:8]}/{self.key}"
