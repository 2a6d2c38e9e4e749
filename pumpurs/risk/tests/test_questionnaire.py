"""The semester risk questionnaire, told through the personas.

Ilze Ozola (teacher_lizuma) fills Anna Kalniņa's questionnaire; Māris Egle, Lizuma's psychologist,
adds to it; Dace Kalna of Tirzas and the national team may not fill it; Zane Lapsa of the national
programme makes a new version of the instrument, which never changes the one already answered.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from pumpurs.audit.models import AuditEvent
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.calendar import semester_on
from pumpurs.people.models import Period, Role
from pumpurs.risk import questionnaire as q
from pumpurs.risk.models import Answer, Assessment, Instrument, InstrumentItem, Level, RiskGroup
from pumpurs.world.personas import World

D = Decimal


def _instrument(weights: dict[str, tuple[str, str]], **thresholds: str) -> Instrument:
    """A test instrument: code → (group, weight)."""
    instrument = Instrument.objects.create(
        code="test",
        version=1,
        name="Test",
        low_from=D(thresholds.get("low", "10")),
        medium_from=D(thresholds.get("medium", "30")),
        high_from=D(thresholds.get("high", "55")),
    )
    for order, (code, (group, weight)) in enumerate(weights.items(), start=1):
        InstrumentItem.objects.create(
            instrument=instrument, group=group, code=code, text=code, weight=D(weight), order=order
        )
    return instrument


@pytest.fixture
def hundred(db: None) -> Instrument:
    """Weights summing to 100, so a share is the weighted sum itself."""
    return _instrument(
        {
            "a": (RiskGroup.LEARNING, "10"),
            "b": (RiskGroup.LEARNING, "20"),
            "c": (RiskGroup.FAMILY, "25"),
            "d": (RiskGroup.FAMILY, "45"),
        }
    )


def _previous(period: Period) -> Period:
    found = Period.objects.filter(starts_on__lt=period.starts_on).order_by("-starts_on").first()
    assert found is not None
    return found


# --- Scoring ---------------------------------------------------------------------------------------


def test_no_partly_yes_score_zero_half_one_times_the_weight(hundred: Instrument) -> None:
    scored = q.score(hundred, {"a": Answer.YES, "b": Answer.PARTLY, "c": Answer.NO, "d": Answer.PARTLY})
    assert scored.share == D("42.50")  # 10 + 10 + 0 + 22.5
    assert scored.group_scores == {"learning": D("66.67"), "family": D("32.14")}  # 20 / 30, 22.5 / 70
    assert scored.level == Level.MEDIUM


def test_group_shares_are_of_each_groups_own_maximum(hundred: Instrument) -> None:
    scored = q.score(hundred, {"d": Answer.YES})
    assert scored.group_scores == {"learning": D("0.00"), "family": D("64.29")}  # 45 / 70
    assert scored.share == D("45.00")


def test_unanswered_items_count_as_no(hundred: Instrument) -> None:
    assert q.score(hundred, {}).share == D("0.00")
    assert q.score(hundred, {}).level == Level.NONE
    partial = q.score(hundred, {"b": Answer.YES})
    explicit = q.score(hundred, {"a": Answer.NO, "b": Answer.YES, "c": Answer.NO, "d": Answer.NO})
    assert partial == explicit
    assert partial.share == D("20.00")


@pytest.mark.parametrize(
    ("answers", "share", "level"),
    [
        ({"a": Answer.PARTLY}, "5.00", Level.NONE),
        ({"a": Answer.YES}, "10.00", Level.LOW),  # low_from exactly
        ({"b": Answer.YES, "a": Answer.PARTLY}, "25.00", Level.LOW),
        ({"a": Answer.YES, "b": Answer.YES}, "30.00", Level.MEDIUM),  # medium_from exactly
        ({"d": Answer.YES, "a": Answer.PARTLY}, "50.00", Level.MEDIUM),
        ({"d": Answer.YES, "a": Answer.YES}, "55.00", Level.HIGH),  # high_from exactly
        ({"a": Answer.YES, "b": Answer.YES, "c": Answer.YES, "d": Answer.YES}, "100.00", Level.HIGH),
    ],
)
def test_levels_at_the_thresholds(hundred: Instrument, answers: dict[str, str], share: str, level: str) -> None:
    scored = q.score(hundred, answers)
    assert (scored.share, scored.level) == (D(share), level)


@pytest.mark.parametrize(
    ("share", "level"),
    [
        ("0", "none"),
        ("9.99", "none"),
        ("10", "low"),
        ("29.99", "low"),
        ("30", "medium"),
        ("54.99", "medium"),
        ("55", "high"),
        ("100", "high"),
    ],
)
def test_level_for_just_below_and_at_each_threshold(share: str, level: str) -> None:
    instrument = Instrument(low_from=D(10), medium_from=D(30), high_from=D(55))
    assert q.level_for(instrument, D(share)) == level


def test_risk_levels_agree_with_limenis() -> None:
    """ "Līmenis" is masculine: the watch list, the review and the timeline say "vidējs"."""
    with translation.override("lv"):
        assert [str(level.label) for level in Level] == ["nav", "zems", "vidējs", "augsts"]


def test_shares_are_rounded_before_the_level_is_read(db: None) -> None:
    # 1 of 3 equal items: 33.333… → 33.33; thresholds placed on the rounded number.
    instrument = _instrument({c: (RiskGroup.ECONOMIC, "1") for c in "xyz"}, low="10", medium="33.33", high="90")
    scored = q.score(instrument, {"x": Answer.YES})
    assert scored.share == D("33.33")
    assert scored.level == Level.MEDIUM


def test_unknown_items_and_answers_are_refused(hundred: Instrument) -> None:
    with pytest.raises(ValueError, match="not items"):
        q.score(hundred, {"zzz": Answer.YES})
    with pytest.raises(ValueError, match="not answers"):
        q.score(hundred, {"a": "maybe"})


# --- The default instrument ------------------------------------------------------------------------


def test_the_default_instrument_is_loaded_by_migration(db: None) -> None:
    instrument = q.default_instrument()
    assert (instrument.code, instrument.version, instrument.is_active) == ("pumpurs-default", 1, True)
    assert instrument.is_official is False
    assert "nav oficiālā" in instrument.name
    assert "nav publicēta" in instrument.description
    assert (instrument.low_from, instrument.medium_from, instrument.high_from) == (D(10), D(30), D(55))
    items = list(instrument.items.all())
    assert {i.group for i in items} == set(RiskGroup.values)
    by_code = {i.code: i for i in items}
    assert by_code["unjustified-absences"].weight == 2
    assert all(i.weight == 1 for i in items if i.code != "unjustified-absences")
    assert by_code["motivation"].text == "Skolēnam trūkst mācību motivācijas"
    for group in (RiskGroup.FAMILY, RiskGroup.SOCIAL_HEALTH):
        assert all(i.sensitive for i in items if i.group == group)
    for group in (RiskGroup.LEARNING, RiskGroup.ECONOMIC):
        assert not any(i.sensitive for i in items if i.group == group)
    for code in ("pregnancy-early-marriage", "paid-work", "parental-involvement", "health-problems", "school-load"):
        assert code in by_code
    assert q.sensitive_groups(instrument) == {"family", "social_health"}
    assert [i.order for i in items] == sorted(i.order for i in items)


# --- Draft → submit, history -----------------------------------------------------------------------


def test_teacher_fills_a_draft_and_submits_it(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    assert q.latest_result(anna) is None
    draft = q.assessment_start(actor=ilze, pupil=anna)
    assert draft.status == Assessment.Status.DRAFT
    assert draft.instrument == q.default_instrument()
    assert draft.period == semester_on(world.today)
    assert q.assessment_start(actor=ilze, pupil=anna) == draft  # the semester's one, not a second

    q.assessment_save(
        actor=ilze, assessment=draft, answers={"motivation": ("yes", " Nav intereses. "), "school-load": ("partly", "")}
    )
    assert q.latest_result(anna) is None  # a draft is no result
    done = q.assessment_submit(
        unanswered_confirmed=True, actor=ilze, assessment=draft, answers={"unjustified-absences": ("yes", "")}
    )

    # 1 + 0.5 + 2 = 3.5 of 15 → 23.33 %; learning 3.5 of 8.
    assert done.status == Assessment.Status.SUBMITTED
    assert done.submitted_at is not None
    assert done.score_share == D("23.33")
    assert done.level == Level.LOW
    assert done.group_scores == {"learning": "43.75", "economic": "0.00", "family": "0.00", "social_health": "0.00"}
    assert q.group_shares(done)["learning"] == D("43.75")
    assert q.latest_result(anna) == done
    assert q.answers_of(done)["motivation"].comment == "Nav intereses."


def test_a_blank_questionnaire_is_not_submitted_without_confirmation(world: World) -> None:
    """Issue 13, trap 7: unanswered items need a confirmation, and the result says incomplete."""
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    draft = q.assessment_start(actor=ilze, pupil=anna)
    total = q.default_instrument().items.count()
    with pytest.raises(ValidationError) as refused, translation.override("lv"):
        q.assessment_submit(actor=ilze, assessment=draft, answers={"motivation": ("yes", "")})
    assert refused.value.code == "unanswered"
    assert f"{total - 1} jautājumi nav atbildēti" in refused.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT
    assert not draft.answers.exists()  # nothing written
    assert q.unanswered_count(draft) == total

    done = q.assessment_submit(actor=ilze, assessment=draft, unanswered_confirmed=True)
    assert (done.status, done.unanswered, done.level) == (Assessment.Status.SUBMITTED, total, Level.NONE)
    assert done.is_incomplete
    event = AuditEvent.objects.get(action="risk.assessment.submitted", pupil_id=anna.pk)
    assert event.data["unanswered"] == total


def test_a_complete_questionnaire_needs_no_confirmation(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    draft = q.assessment_start(actor=ilze, pupil=anna)
    answers = {item.code: ("no", "") for item in q.default_instrument().items.all()}
    done = q.assessment_submit(actor=ilze, assessment=draft, answers=answers)
    assert done.unanswered == 0
    assert not done.is_incomplete


def test_history_keeps_every_semester_newest_first(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    now = semester_on(world.today)
    assert now is not None
    earlier = q.assessment_start(actor=ilze, pupil=anna, period=_previous(now))
    q.assessment_submit(unanswered_confirmed=True, actor=ilze, assessment=earlier, answers={"behaviour": ("yes", "")})
    current = q.assessment_start(actor=ilze, pupil=anna)
    assert current != earlier
    assert q.latest_result(anna) == earlier
    q.assessment_submit(unanswered_confirmed=True, actor=ilze, assessment=current, answers={})
    assert list(q.assessment_history(anna)) == [current, earlier]
    assert q.latest_result(anna) == current
    assert current.level == Level.NONE  # nothing answered: every item counts as no


def test_a_submitted_questionnaire_is_not_changed_until_reopened(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    done = q.assessment_submit(
        unanswered_confirmed=True,
        actor=ilze,
        assessment=q.assessment_start(actor=ilze, pupil=anna),
        answers={"motivation": ("yes", "")},
    )
    with pytest.raises(ValidationError) as refused:
        q.assessment_save(actor=world.specialist_lizuma, assessment=done, answers={"motivation": ("no", "")})
    assert refused.value.code == "submitted"
    with pytest.raises(ValidationError):
        q.assessment_submit(unanswered_confirmed=True, actor=ilze, assessment=done)
    assert q.answers_of(done)["motivation"].answer == "yes"

    reopened = q.assessment_reopen(actor=ilze, assessment=done)
    assert (reopened.status, reopened.level, reopened.score_share) == (Assessment.Status.DRAFT, "", None)
    event = AuditEvent.objects.get(action="risk.assessment.reopened", pupil_id=anna.pk)
    assert event.data["level"] == Level.NONE
    assert event.data["share"] == "6.67"
    again = q.assessment_submit(
        unanswered_confirmed=True, actor=ilze, assessment=reopened, answers={"motivation": ("no", "")}
    )
    assert again.level == Level.NONE
    assert again.score_share == D("0.00")


def test_a_specialist_adds_to_the_class_teachers_draft(world: World) -> None:
    anna, ilze, maris = world.pupil_lizuma, world.teacher_lizuma, world.specialist_lizuma
    draft = q.assessment_start(actor=ilze, pupil=anna)
    q.assessment_save(actor=ilze, assessment=draft, answers={"motivation": ("yes", "Ilzes piezīme")})
    # Māris saves the whole form: Ilze's answer as she left it, his own on a health item.
    q.assessment_save(
        actor=maris,
        assessment=draft,
        answers={"motivation": ("yes", "Ilzes piezīme"), "health-problems": ("partly", "Biežas galvassāpes")},
    )
    answers = q.answers_of(draft)
    assert answers["motivation"].answered_by == ilze
    assert answers["health-problems"].answered_by == maris
    q.assessment_save(actor=maris, assessment=draft, answers={"motivation": ("partly", "")})
    assert q.answers_of(draft)["motivation"].answered_by == maris
    assert draft.created_by == ilze


def test_sensitive_items_need_the_sensitive_permission(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    anna, maris = world.pupil_lizuma, world.specialist_lizuma
    draft = q.assessment_start(actor=world.teacher_lizuma, pupil=anna)
    without = access.ROLE_PERMISSIONS[Role.SPECIALIST] - {Perm.VIEW_SENSITIVE}
    monkeypatch.setitem(access.ROLE_PERMISSIONS, Role.SPECIALIST, without)
    with pytest.raises(PermissionDenied):
        q.assessment_save(actor=maris, assessment=draft, answers={"family-situation": ("yes", "")})
    assert not draft.answers.exists()
    q.assessment_save(actor=maris, assessment=draft, answers={"paid-work": ("yes", "")})
    assert set(q.answers_of(draft)) == {"paid-work"}


def test_a_stale_form_is_refused_not_overwritten(world: World) -> None:
    anna, ilze, maris = world.pupil_lizuma, world.teacher_lizuma, world.specialist_lizuma
    draft = q.assessment_start(actor=ilze, pupil=anna)
    loaded = draft.updated_at  # both open the form now
    q.assessment_save(actor=ilze, assessment=draft, answers={"motivation": ("yes", "")}, expected_updated_at=loaded)
    with pytest.raises(q.AssessmentConflict):
        q.assessment_save(actor=maris, assessment=draft, answers={"motivation": ("no", "")}, expected_updated_at=loaded)
    with pytest.raises(q.AssessmentConflict):
        q.assessment_submit(
            unanswered_confirmed=True, actor=maris, assessment=draft, answers={}, expected_updated_at=loaded
        )
    assert q.answers_of(draft)["motivation"].answer == "yes"
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT
    # With the state as it is now, his change goes through.
    q.assessment_save(
        actor=maris, assessment=draft, answers={"motivation": ("no", "")}, expected_updated_at=draft.updated_at
    )
    assert q.answers_of(draft)["motivation"].answer == "no"


def test_an_unchanged_save_moves_nothing(world: World) -> None:
    ilze = world.teacher_lizuma
    draft = q.assessment_start(actor=ilze, pupil=world.pupil_lizuma)
    q.assessment_save(actor=ilze, assessment=draft, answers={"motivation": ("yes", "")})
    draft.refresh_from_db()
    before = (draft.updated_at, AuditEvent.objects.filter(action="risk.assessment.saved").count())
    q.assessment_save(actor=ilze, assessment=draft, answers={"motivation": ("yes", "")})
    draft.refresh_from_db()
    assert (draft.updated_at, AuditEvent.objects.filter(action="risk.assessment.saved").count()) == before


def test_bad_answers_are_refused(world: World) -> None:
    ilze = world.teacher_lizuma
    draft = q.assessment_start(actor=ilze, pupil=world.pupil_lizuma)
    with pytest.raises(ValidationError):
        q.assessment_save(actor=ilze, assessment=draft, answers={"motivation": ("maybe", "")})
    with pytest.raises(ValidationError):
        q.assessment_save(actor=ilze, assessment=draft, answers={"no-such-item": ("yes", "")})


# --- Access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["teacher_tirzas", "teacher_lizuma_8a", "national", "director_lizuma", "nobody"])
def test_who_may_not_fill_anna_s_questionnaire(world: World, persona: str) -> None:
    stranger = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        q.assessment_start(actor=stranger, pupil=world.pupil_lizuma)
    draft = q.assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma)
    with pytest.raises(PermissionDenied):
        q.assessment_save(actor=stranger, assessment=draft, answers={"motivation": ("yes", "")})
    with pytest.raises(PermissionDenied):
        q.assessment_submit(unanswered_confirmed=True, actor=stranger, assessment=draft)
    assert not draft.answers.exists()


@pytest.mark.parametrize("persona", ["teacher_lizuma", "specialist_lizuma", "coordinator_lizuma"])
def test_who_may_fill_it(world: World, persona: str) -> None:
    draft = q.assessment_start(actor=getattr(world, persona), pupil=world.pupil_lizuma)
    q.assessment_save(actor=getattr(world, persona), assessment=draft, answers={"motivation": ("yes", "")})


# --- Audit ---------------------------------------------------------------------------------------------


def test_every_write_is_in_the_audit_trail(world: World) -> None:
    anna, ilze = world.pupil_lizuma, world.teacher_lizuma
    draft = q.assessment_start(actor=ilze, pupil=anna)
    q.assessment_save(actor=ilze, assessment=draft, answers={"motivation": ("yes", "slepena piezīme")})
    q.assessment_submit(unanswered_confirmed=True, actor=ilze, assessment=draft)
    events = AuditEvent.objects.filter(pupil_id=anna.pk, action__startswith="risk.assessment.").order_by("pk")
    assert [e.action for e in events] == [
        "risk.assessment.started",
        "risk.assessment.saved",
        "risk.assessment.submitted",
    ]
    assert all(e.actor == ilze and e.object_id == str(draft.public_id) for e in events)
    saved, submitted = events[1], events[2]
    assert saved.data == {"items": ["motivation"]}
    assert "slepena" not in str(saved.data)  # comments stay out of the trail
    assert submitted.data["level"] == Level.NONE
    assert submitted.data["version"] == 1


# --- Instrument versions -----------------------------------------------------------------------------


def test_a_new_version_leaves_the_answered_one_untouched(world: World) -> None:
    anna, ilze, zane = world.pupil_lizuma, world.teacher_lizuma, world.national
    v1 = q.default_instrument()
    now = semester_on(world.today)
    assert now is not None
    old = q.assessment_start(actor=ilze, pupil=anna, period=_previous(now))
    q.assessment_submit(unanswered_confirmed=True, actor=ilze, assessment=old, answers={"motivation": ("yes", "")})
    v1_items = list(v1.items.values_list("code", "text", "weight", "sensitive", "order"))

    v2 = q.instrument_new_version(
        actor=zane,
        instrument=v1,
        high_from=D(50),
        item_changes={"motivation": q.ItemChange(text="Skolēnam trūkst motivācijas mācīties", weight=D(2))},
        add_items=[
            q.NewItem(code="bullying", group=RiskGroup.SOCIAL_HEALTH, text="Skolēns cieš no mobinga", sensitive=True)
        ],
        remove_items=["school-load"],
    )
    v1.refresh_from_db()
    assert (v2.code, v2.version, v2.is_active, v1.is_active) == ("pumpurs-default", 2, True, False)
    assert list(v1.items.values_list("code", "text", "weight", "sensitive", "order")) == v1_items
    assert (v2.low_from, v2.medium_from, v2.high_from) == (D(10), D(30), D(50))
    v2_items = {i.code: i for i in v2.items.all()}
    assert v2_items["motivation"].text == "Skolēnam trūkst motivācijas mācīties"
    assert v2_items["motivation"].weight == 2
    assert "school-load" not in v2_items
    assert v2_items["bullying"].sensitive
    assert len(v2_items) == v1.items.count()
    assert q.default_instrument() == v2

    old.refresh_from_db()
    assert old.instrument == v1
    assert old.score_share == D("6.67")  # frozen on version 1
    fresh = q.assessment_start(actor=ilze, pupil=anna)
    assert fresh.instrument == v2
    assert AuditEvent.objects.filter(action="risk.instrument.versioned", actor=zane).count() == 1


def test_an_answered_instrument_is_never_edited_in_place(world: World) -> None:
    v1 = q.default_instrument()
    q.assessment_save(
        actor=world.teacher_lizuma,
        assessment=q.assessment_start(actor=world.teacher_lizuma, pupil=world.pupil_lizuma),
        answers={"motivation": ("yes", "")},
    )
    with pytest.raises(ValidationError) as refused:
        q.instrument_edit(actor=world.national, instrument=v1, item_changes={"motivation": q.ItemChange(weight=D(3))})
    assert refused.value.code == "in_use"
    assert v1.items.get(code="motivation").weight == 1

    # A version nobody has used yet may still be corrected.
    v2 = q.instrument_new_version(actor=world.national, instrument=v1)
    fixed = q.instrument_edit(
        actor=world.national,
        instrument=v2,
        item_changes={"motivation": q.ItemChange(text="Labots teksts")},
        low_from=D(5),
    )
    assert fixed.items.get(code="motivation").text == "Labots teksts"
    assert fixed.low_from == 5
    assert v1.items.get(code="motivation").text == "Skolēnam trūkst mācību motivācijas"


def test_only_the_national_programme_makes_versions(world: World) -> None:
    for persona in ("teacher_lizuma", "coordinator_lizuma", "coordinator_gulbene", "dpo"):
        with pytest.raises(PermissionDenied):
            q.instrument_new_version(actor=getattr(world, persona), instrument=q.default_instrument())
    assert Instrument.objects.filter(code="pumpurs-default").count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"low_from": D(40)},  # above medium
        {"high_from": D(101)},
        {"item_changes": {"nope": q.ItemChange(weight=D(1))}},
        {"item_changes": {"motivation": q.ItemChange(weight=D(0))}},
        {"item_changes": {"motivation": q.ItemChange(group="nowhere")}},
        {"add_items": [q.NewItem(code="motivation", group=RiskGroup.LEARNING, text="Dubults")]},
    ],
)
def test_bad_versions_are_refused(world: World, changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        q.instrument_new_version(actor=world.national, instrument=q.default_instrument(), **changes)  # type: ignore[arg-type]
    assert q.default_instrument().version == 1


def test_a_draft_started_on_the_old_version_stays_on_it(world: World) -> None:
    ilze = world.teacher_lizuma
    draft = q.assessment_start(actor=ilze, pupil=world.pupil_lizuma)
    q.instrument_new_version(actor=world.national, instrument=q.default_instrument())
    assert q.assessment_start(actor=ilze, pupil=world.pupil_lizuma) == draft
    done = q.assessment_submit(
        unanswered_confirmed=True, actor=ilze, assessment=draft, answers={"motivation": ("yes", "")}
    )
    assert done.instrument.version == 1
