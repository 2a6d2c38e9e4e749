"""The demo's tables: the support needs (profiles) and what their plans say, the contacts,
reasons and consultation topics, and the slots — which pupil gets which story."""

from __future__ import annotations

from dataclasses import dataclass

from pumpurs.support.models import CloseReason, ContactEntry, PlanStatus


@dataclass(frozen=True)
class Line:
    code: str
    quantity: int
    # The line's entered actual cost per unit (tickets, receipts, a club's fee): an EXAMPLE for the
    # demo, not a programme figure. Unit prices are rates (finance's seed sets the example ones);
    # where a rate has a unit price it wins over this entered cost.
    example_cost_each: str | None = None
    provider: str = ""  # "psychologist", "social_pedagogue" or "teacher": who delivers
    provider_name: str = ""


@dataclass(frozen=True)
class Profile:
    """One kind of support need: what the plan says, and which questionnaire items lean "yes"."""

    risks: tuple[tuple[str, str], ...]
    goals: tuple[tuple[str, str], ...]
    lines: tuple[Line, ...]
    items: tuple[str, ...]
    low_income: bool = False


PROFILES = {
    "absences": Profile(
        risks=(("learning", "Daudz neattaisnotu kavējumu"), ("family", "Vecāki maz iesaistās skolas dzīvē")),
        goals=(
            ("Apmeklēt skolu regulāri", "Ne vairāk kā 5 neattaisnotas stundas mēnesī"),
            ("Vecāki piedalās sarunās ar skolu", "Vismaz 2 tikšanās semestrī"),
        ),
        lines=(
            Line("consult-social-pedagogue", 10, provider="social_pedagogue"),
            Line("transport", 120, "1.50", provider_name="Reģionālais autobuss (mēnešbiļetes)"),
        ),
        items=("unjustified-absences", "motivation", "parental-involvement"),
    ),
    "learning": Profile(
        risks=(("learning", "Nepietiekami vērtējumi matemātikā"), ("learning", "Zema mācību motivācija")),
        goals=(
            ("Uzlabot sekmes matemātikā", "Semestra vērtējums matemātikā vismaz 5 balles"),
            ("Laikā iesniegt mājas darbus", "Vismaz 80 % mājas darbu iesniegti laikā"),
        ),
        lines=(
            Line("consult-teacher", 16, provider="teacher"),
            Line("consult-psychologist", 6, provider="psychologist"),
        ),
        items=("learning-difficulties", "dislike-of-learning", "motivation"),
    ),
    "wellbeing": Profile(
        risks=(("social_health", "Konflikti ar klasesbiedriem"), ("social_health", "Trauksme, izvairās nākt uz skolu")),
        goals=(
            ("Mazināt konfliktus klasē", "Ne vairāk kā 1 starpgadījums mēnesī"),
            ("Justies droši skolā", "Skolēna pašvērtējums vismaz 7 no 10"),
        ),
        lines=(
            Line("consult-psychologist", 12, provider="psychologist"),
            Line("youth-activity", 1, "40.00", provider_name="Jauniešu centra pulciņš"),
        ),
        items=("school-conflicts", "behaviour", "risky-social-environment"),
    ),
    "economic": Profile(
        risks=(("economic", "Ģimenei trūkst līdzekļu apģērbam un apaviem"), ("learning", "Kavē ziemā")),
        goals=(
            ("Apmeklēt skolu arī ziemā", "Ne vairāk kā 3 kavētas dienas mēnesī"),
            ("Paēst skolā katru dienu", "Pusdienas vismaz 4 dienas nedēļā"),
        ),
        lines=(
            Line("individual-items", 150, "1.00", provider_name="Apģērbs un apavi (veikala čeki)"),
            Line("meals", 80, "2.80", provider_name="Skolas ēdnīca"),
            Line("consult-social-pedagogue", 6, provider="social_pedagogue"),
        ),
        items=("material-conditions", "unjustified-absences", "family-situation"),
        low_income=True,
    ),
}
CONTACTS = (
    (ContactEntry.Channel.PHONE, "Pārrunāti kavējumi; mamma apsolīja sekot līdzi rītiem.", False),
    (ContactEntry.Channel.IN_PERSON, "Tikšanās skolā ar vecākiem un skolēnu; vienojās par atbalsta plānu.", False),
    (ContactEntry.Channel.EJOURNAL, "Nosūtīta ziņa par konsultāciju laikiem.", False),
    (ContactEntry.Channel.HOME_VISIT, "Ģimenē ir slimība; bērns rūpējas par jaunākajiem brāļiem.", True),
)
TOPICS = (
    "Mācību motivācija un dienas režīms",
    "Attiecības klasē",
    "Gatavošanās pārbaudes darbam",
    "Emociju pašregulācija",
    "Kavējumu iemesli un vienošanās",
    "Mājas darbu plānošana",
)
REASONS = (
    "Klases audzinātājas novērojumi: bieži nav sagatavojies stundām, izvairās no sarunām.",
    "Vecāki lūdz skolas atbalstu pēc ģimenes pārcelšanās.",
    "Sociālā dienesta ziņa par sarežģītu situāciju ģimenē.",
)


@dataclass
class Slot:
    """One pupil's part in the story of this semester."""

    start: str  # "history", "early" (opened in the first weeks), "mid" (weeks ago), "flag" (today)
    target: str  # a PlanStatus value, "none" (no plan yet), "returned" or "next" (approved, waiting)
    profile: str
    prefer: str = ""  # "class" (the showcase class teacher's class) or "school" (Lizuma)
    origin: str = "manual"
    extra: str = ""  # "withdrawn", "remote_overdue", "late_confirmation", "no_consent"
    decision: str = ""  # history: the review's decision
    close_reason: str = ""


HISTORY = [
    Slot("history", PlanStatus.ACTIVE, "wellbeing", "class", decision="continue", extra="remote_overdue"),
    Slot("history", PlanStatus.IN_REVIEW, "learning", "school", decision="continue"),
    Slot("history", PlanStatus.ACTIVE, "absences", decision="continue", extra="late_confirmation"),
    Slot("history", PlanStatus.ACTIVE, "economic", decision="continue"),
    Slot("history", PlanStatus.IN_REVIEW, "absences", decision="continue"),
    Slot("history", PlanStatus.ACTIVE, "wellbeing", decision="change"),
    Slot("history", PlanStatus.ACTIVE, "absences", decision="change"),
    Slot("history", PlanStatus.CLOSED, "learning", decision="close", close_reason=CloseReason.RISK_REDUCED),
    Slot("history", PlanStatus.CLOSED, "absences", decision="close", close_reason=CloseReason.RISK_REDUCED),
    Slot("history", PlanStatus.CLOSED, "learning", decision="close", close_reason=CloseReason.MOVED),
]
CURRENT = [
    Slot("early", PlanStatus.ACTIVE, "wellbeing", "school", origin="assessment"),
    Slot("early", PlanStatus.ACTIVE, "absences", origin="assessment", extra="withdrawn"),
    Slot("early", PlanStatus.ACTIVE, "learning", origin="manual"),
    Slot("early", PlanStatus.ACTIVE, "economic", origin="manual"),
    Slot("early", PlanStatus.CLOSED, "learning", origin="manual"),
    Slot("mid", PlanStatus.SUBMITTED, "absences", "class", origin="manual"),
    Slot("mid", PlanStatus.DIRECTOR_APPROVED, "learning", "school", origin="assessment"),
    Slot("mid", PlanStatus.MUNICIPALITY_APPROVED, "wellbeing", origin="manual"),
    Slot("mid", "returned", "economic", "school", origin="manual"),
    Slot("mid", "next", "learning", origin="assessment"),
    Slot("flag", PlanStatus.DRAFT, "absences", "class", origin="flag"),
    Slot("flag", PlanStatus.DRAFT, "learning", origin="flag", extra="no_consent"),
    Slot("flag", PlanStatus.DRAFT, "wellbeing", origin="flag"),
    Slot("flag", "none", "absences", origin="flag"),
    Slot("flag", "none", "learning", "school", origin="flag"),
]
