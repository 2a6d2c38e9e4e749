"""The audit event codes of the prevention system (activity 2: trainings and materials), with
their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register("prevention.training.created", _("Created a training"))
event_type_register("prevention.participant.registered", _("Registered a training participant"))
event_type_register("prevention.training.attendance_marked", _("Marked attendance at a training"))
event_type_register("prevention.material.created", _("Added a material to the library"))
event_type_register("prevention.material.version_added", _("Added a version of a material"))
event_type_register("prevention.material.used", _("Named the materials a plan line used"))
