"""The audit event codes of the youth initiative projects (activity 3), with their readable text
(decision 0025). They name organisations and staff, never pupils."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register("youth.call.created", _("Created a youth initiative call"))
event_type_register("youth.call.opened", _("Opened a youth initiative call"))
event_type_register("youth.call.evaluators_set", _("Named the evaluators of a call"))
event_type_register("youth.call.evaluation_started", _("Started the evaluation of a call"))
event_type_register("youth.call.closed", _("Closed a youth initiative call"))
event_type_register("youth.application.entered", _("Entered a project application"))
event_type_register("youth.application.conflict_declared", _("Declared a conflict of interest"))
event_type_register("youth.application.scored", _("Scored a project application"))
event_type_register("youth.application.approved", _("Approved a project"))
event_type_register("youth.application.rejected", _("Rejected a project application"))
event_type_register("youth.report.submitted", _("Entered a project's report"))
event_type_register("youth.report.approved", _("Approved a project's report"))
