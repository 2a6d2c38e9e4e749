"""The audit event codes the support app writes, with their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register("support.case.opened", _("Opened a support case"))
event_type_register("support.case.closed", _("Closed a support case"))
event_type_register("support.team.added", _("Added a support team member"))
event_type_register("support.team.removed", _("Removed a support team member"))
event_type_register("support.contact.logged", _("Logged a contact with the family"))
event_type_register("support.consent.recorded", _("Recorded the parent's consent"))
event_type_register("support.consent.withdrawn", _("Recorded that consent was withdrawn"))
event_type_register("support.low_income.recorded", _("Recorded a low-income status"))
event_type_register("support.plan.created", _("Drafted a support plan"))
event_type_register("support.plan.saved", _("Saved a support plan"))
event_type_register("support.plan.submitted", _("Submitted a support plan for approval"))
event_type_register("support.plan.approved", _("Approved a support plan"))
event_type_register("support.plan.returned", _("Returned a support plan for changes"))
event_type_register("support.plan.amended", _("Reopened a support plan for a change"))
event_type_register("support.plan.activated", _("A support plan took effect"))
event_type_register("support.plan.review_started", _("Started a support plan's review"))
event_type_register("support.plan.closed", _("Closed a support plan"))
event_type_register("support.review.recorded", _("Recorded a semester review"))
# What was delivered and what it cost outlive an erasure: they are the record of public money spent
# (decision 0033); the topic and the reason's text are never in the data.
event_type_register(
    "support.delivery.recorded", _("Recorded support given"), keep=("measure", "on", "quantity", "amount", "mode")
)
event_type_register("support.delivery.confirmed", _("Confirmed support given"))
event_type_register(
    "support.delivery.voided", _("Voided a record of support given"), keep=("quantity", "amount", "reason_length")
)
event_type_register("support.file.downloaded", _("Downloaded a case file"))
event_type_register("support.catalogue.created", _("Added a measure to the catalogue"), keep=("code",))
event_type_register("support.catalogue.changed", _("Changed a measure in the catalogue"), keep=("code",))
event_type_register("support.catalogue.retired", _("Retired a measure from the catalogue"), keep=("code",))
event_type_register("support.case.handed_over", _("Took over a case from another school"))
event_type_register("support.case.reopened", _("Reopened a support case"))
event_type_register("support.out_of_school.exported", _("Exported the list of children without a school"))
event_type_register("support.plan.changed", _("Applied an approved change to a support plan"))
event_type_register("support.plan.reopened", _("Reopened a support plan with its case"))
