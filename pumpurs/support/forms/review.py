"""The review of a plan: outcomes, usefulness, the new questionnaire, the decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.risk.models import Assessment
from pumpurs.support.models import CloseReason, Goal, Outcome, PlanMeasure, Review, Usefulness


class ReviewForm(forms.Form):
    """One outcome and comment per goal, one usefulness per measure line, the new questionnaire,
    and the decision."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    assessment = forms.ChoiceField(label=_("The new questionnaire"), required=False)
    decision = forms.ChoiceField(
        label=_("What happens next"),
        choices=Review.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happens next: continue, change or close.")},
    )
    close_reason = forms.ChoiceField(
        label=_("Why is the case closed? (when closing)"),
        required=False,
        choices=[("", "—"), *CloseReason.choices],
    )
    summary = forms.CharField(label=_("Summary"), required=False, max_length=4000, widget=forms.Textarea)

    def __init__(
        self,
        *args: Any,
        goals: Sequence[Goal],
        lines: Sequence[PlanMeasure],
        assessments: Sequence[Assessment],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.goals, self.lines = list(goals), list(lines)
        self.assessments = {str(a.public_id): a for a in assessments}
        field = self.fields["assessment"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (
                k,
                _("submitted %(when)s (level: %(level)s)")
                % {"when": _local(a.submitted_at), "level": a.get_level_display()},
            )
            for k, a in self.assessments.items()
        ]
        for goal in self.goals:
            # The summary at the top names the goal, as the service's refusal does.
            self.fields[f"outcome_{goal.pk}"] = forms.ChoiceField(
                label=_("Outcome"),
                choices=Outcome.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Say whether the goal “%(goal)s” was achieved.") % {"goal": goal.text}},
            )
            self.fields[f"note_{goal.pk}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
        for line in self.lines:
            self.fields[f"usefulness_{line.pk}"] = forms.ChoiceField(
                label=_("Usefulness"),
                choices=Usefulness.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Say how useful “%(measure)s” was.") % {"measure": str(line.measure)}},
            )

    def goal_rows(self) -> list[tuple[Goal, forms.BoundField, forms.BoundField]]:
        return [(g, self[f"outcome_{g.pk}"], self[f"note_{g.pk}"]) for g in self.goals]

    def line_rows(self) -> list[tuple[PlanMeasure, forms.BoundField]]:
        return [(line, self[f"usefulness_{line.pk}"]) for line in self.lines]

    def goal_outcomes(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {g.pk: (data[f"outcome_{g.pk}"], data.get(f"note_{g.pk}") or "") for g in self.goals}

    def measure_usefulness(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data[f"usefulness_{line.pk}"] for line in self.lines}

    def chosen_assessment(self) -> Assessment | None:
        return self.assessments.get(self.cleaned_data.get("assessment") or "")


def _local(moment: dt.datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""
