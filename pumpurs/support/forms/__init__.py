"""Forms of the support pages: they parse and validate; the services in ``cases``, ``plans``,
``delivery`` and ``reviews`` decide and write. Choices are addressed by public UUIDs."""

from pumpurs.support.forms.cases import (
    PUPIL,
    CaseCloseForm,
    CaseFilterForm,
    CaseOpenForm,
    CaseReopenForm,
    ConsentForm,
    ConsentWithdrawForm,
    ContactForm,
    TeamMemberForm,
)
from pumpurs.support.forms.common import ALLOWED_UPLOADS, MAX_UPLOAD_BYTES, clean_upload
from pumpurs.support.forms.delivery import CompensationForm, ConsultationForm
from pumpurs.support.forms.plan import (
    GoalFormSet,
    GoalRowForm,
    MeasureFormSet,
    MeasureRowForm,
    PlanEditor,
    PlanHeaderForm,
    RiskFormSet,
    RiskRowForm,
    RowForm,
    TransitionForm,
    plan_initial,
)
from pumpurs.support.forms.review import ReviewForm

__all__ = [
    "ALLOWED_UPLOADS",
    "MAX_UPLOAD_BYTES",
    "PUPIL",
    "CaseCloseForm",
    "CaseFilterForm",
    "CaseOpenForm",
    "CaseReopenForm",
    "CompensationForm",
    "ConsentForm",
    "ConsentWithdrawForm",
    "ConsultationForm",
    "ContactForm",
    "GoalFormSet",
    "GoalRowForm",
    "MeasureFormSet",
    "MeasureRowForm",
    "PlanEditor",
    "PlanHeaderForm",
    "ReviewForm",
    "RiskFormSet",
    "RiskRowForm",
    "RowForm",
    "TeamMemberForm",
    "TransitionForm",
    "clean_upload",
    "plan_initial",
]
