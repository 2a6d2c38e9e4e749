"""Access tokens of the REST API (issue 5, item 9).

A token is shown once, when it is created; the server keeps only its SHA-256 hash and a short
prefix to tell tokens apart in lists (decision 0007). Revocation and expiry are dates on the
row, never deletions, so the audit trail can always name the token an old request used.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pumpurs.core.models import PublicIdModel


class ApiToken(PublicIdModel):
    """A bearer token acting as ``user``: the same roles and scope as that user in the browser."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)  # what the integration is, e.g. "e-klase sync"
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)  # the key's first characters
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the whole key, hex
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
