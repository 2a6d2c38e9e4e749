"""The audit event codes the people app writes, with their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register("auth.login.succeeded", _("Signed in"))
event_type_register("auth.login.failed", _("Sign-in failed (wrong username or password)"))
event_type_register("auth.login.throttled", _("Sign-in refused: too many failed attempts"))
event_type_register("auth.logout", _("Signed out"))
event_type_register("auth.second_factor.enrolled", _("Set up an authenticator app for sign-in codes"))
event_type_register("auth.second_factor.verified", _("Confirmed a sign-in with a code"))
event_type_register("auth.second_factor.recovery_issued", _("Was given new one-time recovery codes"), keep=("count",))
event_type_register(
    "auth.second_factor.recovery_used",
    _("Signed in with a recovery code (the lost authenticator app was removed)"),
    fields={"left": _("codes left")},
    keep=("left",),
)
event_type_register("auth.second_factor.reset", _("Reset a person's sign-in codes (lost phone)"), keep=("username",))
event_type_register(
    "auth.second_factor.failed", _("A sign-in code was wrong or refused"), keep=("throttled", "recovery")
)
event_type_register("auth.session.expired", _("Signed out after a time without activity"), keep=("idle_seconds",))
event_type_register("auth.password.changed", _("Changed their password"))
event_type_register("auth.password.reset_requested", _("Asked for a password reset link"))
event_type_register("auth.password.reset", _("Set a new password through a reset link"))
event_type_register("people.pupil.viewed", _("Opened a pupil's record"))
event_type_register("people.pupil.searched_by_code", _("Searched for a pupil by personal code"), keep=("found",))
event_type_register("people.pupil.created", _("Added a pupil"))
event_type_register("people.pupil.updated", _("Changed a pupil's data"), keep=("fields",))
event_type_register("people.enrolment.started", _("Enrolled a pupil in a class"))
event_type_register("people.enrolment.ended", _("Ended a pupil's enrolment in a class"))
event_type_register("people.guardian.added", _("Added a guardian"))
event_type_register("people.guardian.updated", _("Changed a guardian's data"), keep=("fields",))
event_type_register("people.class.teacher_set", _("Set a class teacher"))
event_type_register("people.staff.invited", _("Invited a staff member"), keep=("role",))
event_type_register("people.staff.reinvited", _("Sent a staff member a new invitation"))
event_type_register("people.invitation.accepted", _("Accepted an invitation"))
event_type_register("people.role.granted", _("Granted a role"), keep=("role",))
event_type_register("people.role.revoked", _("Revoked a role"), keep=("role",))
event_type_register("people.staff.deactivated", _("Deactivated a staff account"), keep=("roles",))
event_type_register("people.staff.reactivated", _("Reactivated a staff account"))
event_type_register("people.staff.phone_changed", _("Changed a staff member's phone number"), keep=("set",))
event_type_register("people.school_year.created", _("Added a school year"))
event_type_register("people.school_year.updated", _("Changed a school year's dates"))
event_type_register("people.school_year.confirmed", _("Confirmed a school year's dates"))
event_type_register("people.rollover.applied", _("Moved a school to the next school year"))
event_type_register("people.seed.applied", _("Loaded synthetic demonstration data"))
event_type_register("people.work.listed", _("Listed pupils in “My work”"))
event_type_register(
    "people.emergency_access.opened",
    _("Opened a pupil's file in an emergency (break-the-glass)"),
    fields={"reason": _("reason"), "hours": _("hours")},
    keep=("hours",),
)
event_type_register(
    "people.pupils.listed",
    _("Was shown a list of pupils"),
    fields={"list": _("list"), "count": _("pupils shown")},
    keep=("list", "count", "pupils"),
)
event_type_register("people.work.exported", _("Exported a list from “My work”"))
# Passkeys (decision 0041). The names are the person's own words ("Anna's laptop"): not kept on erasure.
event_type_register(
    "auth.passkey.added",
    _("Added a passkey"),
    fields={"passkey": _("passkey number"), "name": _("name")},
    keep=("passkey",),
)
event_type_register(
    "auth.passkey.renamed",
    _("Renamed a passkey"),
    fields={"passkey": _("passkey number"), "old_name": _("old name"), "name": _("name")},
    keep=("passkey",),
)
event_type_register(
    "auth.passkey.removed",
    _("Removed a passkey"),
    fields={"passkey": _("passkey number"), "name": _("name")},
    keep=("passkey",),
)
event_type_register(
    "auth.passkey.verified",
    _("Confirmed a sign-in with a passkey"),
    fields={"passkey": _("passkey number")},
    keep=("passkey",),
)
event_type_register(
    "auth.passkey.refused", _("A passkey was refused at sign-in"), fields={"reason": _("reason")}, keep=("reason",)
)
