"""The privacy app's own records: the second reviewer's marks on the DPO's openings (decision 0046)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import EmergencyAccess


class OpeningReview(models.Model):
    """A break-the-glass opening looked at by someone other than the person who opened it. Written
    once; it goes with the opening (retention, erasure)."""

    opening = models.OneToOneField(EmergencyAccess, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("review of an emergency access")
        verbose_name_plural = _("reviews of emergency accesses")

    def __str__(self) -> str:
        return f"{self.opening_id} reviewed by {self.reviewer_id}"
