"""What the API reads and writes. Output serializers never touch a personal code (the pupil is
named, with its public id — exactly what the plan page shows); input serializers only parse —
every rule lives in the services, which the views call."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pumpurs.people.models import Period
from pumpurs.risk.models import RiskGroup
from pumpurs.support.models import (
    Case,
    Consent,
    Delivery,
    Goal,
    Measure,
    Plan,
    PlanMeasure,
    PlanRisk,
    PlanTransition,
    TeamMember,
)
from pumpurs.support.plans import PLAN_ACTIONS, TRANSITIONS, PlanAction, PlanActions, pending_step
from pumpurs.support.prices import Price


def period_key(period: Period) -> str:
    """A semester as the API names it: "2025/26-1" (school year, semester number)."""
    return f"{period.school_year.name}-{period.number}"


# --- References ------------------------------------------------------------------------------------


class PersonRef(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField(source="__str__")


class PupilRef(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class InstitutionRef(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()


class PeriodOut(serializers.Serializer[Period]):
    key = serializers.SerializerMethodField()
    school_year = serializers.CharField(source="school_year.name")
    number = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()

    def get_key(self, period: Period) -> str:
        return period_key(period)


# --- Catalogue -------------------------------------------------------------------------------------


class MeasureOut(serializers.ModelSerializer[Measure]):
    """A catalogue measure with the national unit price in force on the day asked for (the view
    puts ``prices``, ``support.prices.prices_in_force`` of every listed measure, in the context)."""

    id = serializers.UUIDField(source="public_id")
    unit_price = serializers.SerializerMethodField(
        help_text="EUR, the national rate in force on the day; empty: not set (or the actual cost counts)."
    )
    unit_price_is_example = serializers.SerializerMethodField(
        help_text="The unit price is a figure used to try the system, not the programme's."
    )

    def _price(self, measure: Measure) -> Price | None:
        prices: dict[str, Price] = self.context.get("prices", {})
        return prices.get(measure.code)

    @extend_schema_field(serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True))
    def get_unit_price(self, measure: Measure) -> str | None:
        price = self._price(measure)
        return None if price is None or price.unit is None else f"{price.unit:.2f}"

    @extend_schema_field(serializers.BooleanField())
    def get_unit_price_is_example(self, measure: Measure) -> bool:
        price = self._price(measure)
        return price is not None and price.unit is not None and price.is_example

    class Meta:
        model = Measure
        fields = [
            "id",
            "code",
            "category",
            "specialist_kind",
            "name",
            "name_en",
            "unit",
            "unit_price",
            "unit_price_is_example",
            "cap_per_plan",
            "requires_low_income",
            "valid_from",
            "valid_until",
        ]


# --- Cases -----------------------------------------------------------------------------------------


class CaseOut(serializers.ModelSerializer[Case]):
    id = serializers.UUIDField(source="public_id")
    pupil = PupilRef()
    institution = InstitutionRef()
    opened_by = PersonRef()

    class Meta:
        model = Case
        fields = ["id", "pupil", "institution", "origin", "status", "reason", "opened_by", "opened_at"]
        fields += ["closed_at", "close_reason"]


class TeamMemberOut(serializers.ModelSerializer[TeamMember]):
    user = PersonRef()

    class Meta:
        model = TeamMember
        fields = ["user", "role", "added_at", "removed_at"]


class ConsentOut(serializers.ModelSerializer[Consent]):
    id = serializers.UUIDField(source="public_id")
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = ["id", "by_pupil", "given_on", "method", "has_document", "withdrawn_on"]

    def get_has_document(self, consent: Consent) -> bool:
        return bool(consent.document)


class PlanSummaryOut(serializers.ModelSerializer[Plan]):
    id = serializers.UUIDField(source="public_id")
    period = PeriodOut()

    class Meta:
        model = Plan
        fields = ["id", "period", "status", "version"]


class CaseDetailOut(CaseOut):
    team = TeamMemberOut(many=True)
    consents = ConsentOut(many=True)
    plans = PlanSummaryOut(many=True)

    class Meta(CaseOut.Meta):
        fields = [*CaseOut.Meta.fields, "team", "consents", "plans"]


class CaseOpenIn(serializers.Serializer[Any]):
    """By hand (``pupil`` and ``reason``) or from an accepted flag (``flag``)."""

    pupil = serializers.UUIDField(required=False)
    flag = serializers.UUIDField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("pupil") and not attrs.get("flag"):
            raise serializers.ValidationError({"pupil": _("Name the pupil (or the accepted flag).")})
        return attrs


# --- Plans -----------------------------------------------------------------------------------------


class PlanOut(serializers.ModelSerializer[Plan]):
    id = serializers.UUIDField(source="public_id")
    case = serializers.UUIDField(source="case.public_id")
    pupil = PupilRef(source="case.pupil")
    institution = InstitutionRef(source="case.institution")
    period = PeriodOut()
    chain = serializers.ListField(child=serializers.CharField(), source="chain_steps")
    pending_step = serializers.SerializerMethodField()
    # An amendment (decision 0022) names the plan it would change; ``null`` is the semester plan.
    amends = serializers.UUIDField(source="amends.public_id", allow_null=True, read_only=True, default=None)

    class Meta:
        model = Plan
        fields = ["id", "case", "pupil", "institution", "period", "status", "chain", "pending_step", "version"]
        fields += ["amends"]

    def get_pending_step(self, plan: Plan) -> str | None:
        return pending_step(plan)


class RiskOut(serializers.ModelSerializer[PlanRisk]):
    """A risk taken from a family or health item of the questionnaire shows its group only, unless
    the reader may see sensitive data (as on the plan page): ``restricted`` says so."""

    description = serializers.SerializerMethodField()
    restricted = serializers.SerializerMethodField()

    class Meta:
        model = PlanRisk
        fields = ["group", "description", "restricted"]

    def get_restricted(self, risk: PlanRisk) -> bool:
        return risk.pk in self.context.get("restricted_risks", set())

    def get_description(self, risk: PlanRisk) -> str | None:
        return None if self.get_restricted(risk) else risk.description


class GoalOut(serializers.ModelSerializer[Goal]):
    class Meta:
        model = Goal
        fields = ["text", "target", "outcome", "outcome_note"]


class PlanLineOut(serializers.ModelSerializer[PlanMeasure]):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField(source="measure.code")
    name = serializers.CharField(source="measure.name")
    category = serializers.CharField(source="measure.category")
    unit = serializers.CharField(source="measure.unit")
    provider = PersonRef(allow_null=True)
    delivered_quantity = serializers.SerializerMethodField()
    delivered_amount = serializers.SerializerMethodField()

    class Meta:
        model = PlanMeasure
        fields = ["id", "code", "name", "category", "unit", "provider", "provider_name", "planned_quantity"]
        fields += ["planned_cost", "delivered_quantity", "delivered_amount", "note", "usefulness"]

    def _delivered(self, line: PlanMeasure, index: int) -> str:
        done = self.context.get("delivered", {}).get(line.pk)
        return f"{done[index]:.2f}" if done else "0.00"

    def get_delivered_quantity(self, line: PlanMeasure) -> str:
        return self._delivered(line, 0)

    def get_delivered_amount(self, line: PlanMeasure) -> str:
        return self._delivered(line, 1)


# What the API offers of a plan's actions: PUT the plan, POST a delivery, POST a transition.
API_ACTIONS = (PlanAction.EDIT, PlanAction.DELIVER, *TRANSITIONS)


class PlanDetailOut(PlanOut):
    prepared_by = PersonRef()
    submitted_by = PersonRef(allow_null=True)
    previous = serializers.UUIDField(source="previous.public_id", allow_null=True, default=None)
    risks = RiskOut(many=True)
    goals = GoalOut(many=True)
    measures = PlanLineOut(many=True)
    actions = serializers.SerializerMethodField(
        help_text=(
            "What you may do with the plan now — the same answer as the plan page's buttons: "
            "edit (PUT this plan), deliver (POST …/deliveries/) and the transitions to POST to …/transitions/."
        )
    )

    class Meta(PlanOut.Meta):
        fields = [*PlanOut.Meta.fields, "contact_person", "prepared_by", "submitted_by", "previous"]
        fields += ["risks", "goals", "measures", "actions", "created_at", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=[a.value for a in API_ACTIONS])))
    def get_actions(self, plan: Plan) -> list[str]:
        answer: PlanActions | None = self.context.get("actions")
        return [action.value for action in API_ACTIONS if answer is not None and action in answer]


class PlanCreateIn(serializers.Serializer[Any]):
    period = serializers.CharField(help_text='The semester, e.g. "2025/26-2".')
    contact_person = serializers.CharField(required=False, allow_blank=True, default="")


class RiskIn(serializers.Serializer[Any]):
    group = serializers.ChoiceField(choices=RiskGroup.choices)
    description = serializers.CharField(max_length=300)


class GoalIn(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=300)
    target = serializers.CharField(max_length=300)


class LineIn(serializers.Serializer[Any]):
    code = serializers.SlugField(help_text="The catalogue code, e.g. consult-psychologist.")
    planned_quantity = serializers.DecimalField(max_digits=9, decimal_places=2)
    planned_cost = serializers.DecimalField(max_digits=9, decimal_places=2, required=False, allow_null=True)
    provider = serializers.UUIDField(required=False, allow_null=True, help_text="A member of the school's staff.")
    provider_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class PlanContentIn(serializers.Serializer[Any]):
    """The whole content of a draft; ``version`` is the one you read (a stale one is 409)."""

    version = serializers.IntegerField(min_value=1)
    contact_person = serializers.CharField(allow_blank=True, max_length=200)
    risks = RiskIn(many=True)
    goals = GoalIn(many=True)
    measures = LineIn(many=True)


# --- Transitions -----------------------------------------------------------------------------------


class TransitionOut(serializers.ModelSerializer[PlanTransition]):
    actor = PersonRef(allow_null=True)

    class Meta:
        model = PlanTransition
        fields = ["action", "step", "from_status", "to_status", "comment", "actor", "at"]


class TransitionIn(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=PLAN_ACTIONS)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1, help_text="The version you read (409 if stale).")


# --- Deliveries ------------------------------------------------------------------------------------


class DeliveryOut(serializers.ModelSerializer[Delivery]):
    id = serializers.UUIDField(source="public_id")
    measure = serializers.CharField(source="line.measure.code")
    specialist = PersonRef(allow_null=True)
    recorded_by = PersonRef()
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = ["id", "measure", "delivered_on", "period_end", "quantity", "amount", "minutes", "specialist"]
        fields += ["mode", "topic", "confirmed_at", "has_evidence", "recorded_by", "recorded_at"]
        # A delivery entered by mistake is voided (with the reason), never deleted: it stays listed
        # and no longer counts against the plan.
        fields += ["voided_at", "void_reason"]
        read_only_fields = ["voided_at", "void_reason"]

    def get_has_evidence(self, delivery: Delivery) -> bool:
        return bool(delivery.evidence)


class ConsultationIn(serializers.Serializer[Any]):
    """A consultation: the measure's category is "consultation"."""

    measure = serializers.SlugField()
    held_on = serializers.DateField()
    minutes = serializers.IntegerField()
    specialist = serializers.UUIDField(required=False, help_text="Defaults to you.")
    mode = serializers.ChoiceField(choices=Delivery.Mode.choices)
    topic = serializers.CharField(max_length=300)
    confirmed_at = serializers.DateTimeField(required=False, allow_null=True)


class CompensationIn(serializers.Serializer[Any]):
    """A compensation, accommodation, meals, items, materials, transport or activity."""

    measure = serializers.SlugField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=9, decimal_places=2)
    amount = serializers.DecimalField(max_digits=9, decimal_places=2, required=False, allow_null=True)
