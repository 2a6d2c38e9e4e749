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
