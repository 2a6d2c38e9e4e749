"""The audit event codes the risk app writes, with their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register("risk.flag.accepted", _("Accepted a risk flag"))
event_type_register("risk.flag.dismissed", _("Dismissed a risk flag"))
event_type_register("risk.flag.reopened", _("Reopened a risk flag"))
event_type_register("risk.assessment.started", _("Started a risk assessment"))
event_type_register("risk.assessment.saved", _("Saved a risk assessment"))
event_type_register("risk.assessment.submitted", _("Submitted a risk assessment"))
event_type_register("risk.assessment.reopened", _("Reopened a risk assessment"))
event_type_register("risk.instrument.edited", _("Edited the risk questionnaire"))
event_type_register("risk.instrument.versioned", _("Published a new version of the risk questionnaire"))
event_type_register("risk.capacity.set", _("Set the school's support capacity"), keep=("capacity",))
event_type_register(
    "risk.threshold.set",
    _("Set a municipal threshold"),
    keep=(
        "rule",
        "value",
    ),
)
event_type_register("risk.threshold.cleared", _("Removed a municipal threshold"), keep=("rule",))
event_type_register("risk.same_day_notices.set", _("Changed same-day absence notices"), keep=("enabled",))
event_type_register("risk.notices.queued", _("Queued notices"), keep=("count",))
event_type_register("risk.notice.queued", _("Queued a notice"))
event_type_register("risk.notice.sent", _("Sent a notice"))
event_type_register("risk.notice.failed", _("A notice could not be sent"))
event_type_register("risk.notice.no_contact", _("A notice had no contact to go to"))
event_type_register(
    "risk.notice.retrying", _("A notice could not be sent yet and will be tried again"), keep=("attempt",)
)
event_type_register("risk.absence_follow_up.updated", _("Updated the follow-up of a pupil over the absence threshold"))
event_type_register("risk.assessment.new_version", _("Started a new version of a questionnaire"))
