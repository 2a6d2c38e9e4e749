"""Import batches: one row per file submitted, kept with the file for the retention period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pumpurs.core.models import PublicIdModel
from pumpurs.people.models import Institution


def upload_path(instance: ImportBatch, filename: str) -> str:
    # The stored name never carries the original file name (it may contain a pupil's name).
    from django.utils import timezone

    return f"imports/{timezone.now():%Y/%m}/{instance.public_id}"


# What can be imported (one spec module each, ``imports.specs.SPECS``); here, not with the specs,
# because the pages and the command line check a kind without loading polars (decision 0054).
KINDS = ("institutions", "pupils", "attendance", "grades", "incidents", "staff", "budgets")
# The kinds whose facts feed the risk indicators: applying one refreshes them (imports/facts.py).
FACT_KINDS = frozenset({"attendance", "grades", "incidents"})


class ImportBatch(PublicIdModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("checking")
        DRY_RUN = "dry-run", _("checked, not applied")
        APPLIED = "applied", _("applied")
        REJECTED = "rejected", _("rejected")
        FAILED = "failed", _("failed")
        # Its worker stopped (killed, restarted) while it ran; its transaction was rolled back.
        INTERRUPTED = "interrupted", _("interrupted")

    kind = models.CharField(_("kind"), max_length=20)
    shape = models.CharField(_("shape"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(_("check only"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    institution = models.ForeignKey(Institution, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file = models.FileField(upload_to=upload_path, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=20, blank=True)
    # What the submitter asked for (blank: detect); ``encoding`` above is what the reader found.
    encoding_choice = models.CharField(_("encoding asked for"), max_length=20, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    # The submitter's language: the worker writes the batch's messages in it.
    language = models.CharField(_("language"), max_length=8, blank=True)
    # The checked (dry-run) batch this one applies; one confirmation per preview, enforced here.
    preview = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="confirmation"
    )
    delimiter = models.CharField(max_length=4, blank=True)
    rows = models.BigIntegerField(default=0)
    created = models.BigIntegerField(default=0)
    updated = models.BigIntegerField(default=0)
    unchanged = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    progress_rows = models.BigIntegerField(default=0)
    # The first errors, for the page; the full list is the downloadable report (report file).
    errors = models.JSONField(default=list, blank=True)
    error_count = models.BigIntegerField(default=0)
    report = models.FileField(upload_to="imports/reports/", blank=True)
    notes = models.JSONField(default=list, blank=True)
    # When the indicators and flags were last refreshed with this batch's facts (fact kinds only).
    risk_refreshed_at = models.DateTimeField(_("indicators refreshed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.status})"

    @property
    def feeds_risk(self) -> bool:
        return self.kind in FACT_KINDS and self.status == self.Status.APPLIED
