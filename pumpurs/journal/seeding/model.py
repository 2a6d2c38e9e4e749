"""The behaviour model behind the synthetic facts: who drifts, and what an ordinary school day looks like.

Each pupil gets a few traits (drawn once from the seed and their personal code): whether they
drift away from school, from when, how able and how often ill they are. Each pupil-day then draws
its attendance and, rarely, an incident. A drifting pupil's *drift* ``g`` rises from 0 at their
onset to 1 at the end of the seeded span; unjustified absences, lateness, incidents and falling
grades all grow with it. Everything is vectorised (polars), deterministic by seed.
"""

from __future__ import annotations

import polars as pl

from pumpurs.journal.seeding.noise import choice_index, normal, uniform

# Random streams: one per independent draw, so that adding a draw never shifts another.
S_DRIFT, S_ONSET, S_ABILITY, S_ILL_PRONE, S_LATE_BASE, S_UNJ_BASE = 1, 2, 3, 5, 6, 7
S_TIMETABLE, S_ILL, S_ILL_LEN, S_UNJ, S_UNJ_WHOLE, S_UNJ_N = 10, 11, 12, 13, 14, 15
S_OTHER, S_OTHER_WHOLE, S_OTHER_N, S_LATE = 16, 17, 18, 19
S_INCIDENT, S_CATEGORY, S_SEVERITY, S_DESCRIPTION = 20, 21, 22, 23

# Share of drifting pupils by grade: few in the first grades, more in the upper ones (~6 % overall).
DRIFT_SHARE = ((4, 0.03), (9, 0.07), (12, 0.09))
ILLNESS_SPELL_START = 0.0025  # per school day: most pupils ill at some point in two years
ILLNESS_SPELL_DAYS = [0.25, 0.30, 0.20, 0.15, 0.10]  # 1 … 5 school days
WINTER_MONTHS = [11, 12, 1, 2, 3]

INCIDENT_CATEGORIES = [
    "Mācību stundas traucēšana",
    "Telefona lietošana stundā",
    "Nepiedienīga uzvedība",
    "Konflikts ar klasesbiedru",
    "Necieņa pret skolotāju",
    "Skolas īpašuma bojāšana",
]
CATEGORY_WEIGHTS_ORDINARY = [0.35, 0.30, 0.15, 0.15, 0.03, 0.02]
CATEGORY_WEIGHTS_DRIFTING = [0.22, 0.18, 0.20, 0.22, 0.12, 0.06]
DESCRIPTIONS = [
    (
        "Atkārtoti traucēja stundu, nereaģēja uz aizrādījumiem.",
        "Skaļi runāja un staigāja pa klasi stundas laikā.",
        "Traucēja klasesbiedriem strādāt.",
    ),
    (
        "Stundā lietoja telefonu, pēc aizrādījuma turpināja.",
        "Spēlēja spēles telefonā mācību stundā.",
        "Filmēja stundu bez skolotāja atļaujas.",
    ),
    (
        "Lietoja necenzētus vārdus starpbrīdī.",
        "Nepiedienīgi izturējās ēdnīcā.",
        "Neievēroja dežurējošā skolotāja norādījumus.",
    ),
    (
        "Verbāls konflikts ar klasesbiedru starpbrīdī.",
        "Grūstīšanās gaitenī, iesaistīti divi skolēni.",
        "Apsaukāja klasesbiedru; sarunā iesaistīts klases audzinātājs.",
    ),
    (
        "Rupji atbildēja skolotājam.",
        "Demonstratīvi atteicās pildīt skolotāja norādījumus.",
        "Izgāja no stundas bez atļaujas.",
    ),
    (
        "Apzīmēja solu.",
        "Sabojāja garderobes skapīša durvis.",
        "Apzināti saplēsa bibliotēkas grāmatu.",
    ),
]


def pupil_traits(roster: pl.DataFrame, seed: int) -> pl.DataFrame:
    pk = pl.col("pupil_key")
    grade = pl.col("grade")
    share: pl.Expr = pl.lit(DRIFT_SHARE[-1][1])
    for up_to, p in reversed(DRIFT_SHARE):
        share = pl.when(grade <= up_to).then(pl.lit(p)).otherwise(share)
    share = pl.when(pl.col("vocational")).then(pl.lit(DRIFT_SHARE[-1][1])).otherwise(share)
    return roster.with_columns(
        (uniform(seed, S_DRIFT, pk) < share).alias("drifting"),
        (0.10 + 0.50 * uniform(seed, S_ONSET, pk)).alias("onset"),
        (6.6 + 1.3 * normal(seed, S_ABILITY, pk)).alias("ability"),
        (0.5 * normal(seed, S_ILL_PRONE, pk)).exp().alias("ill_prone"),
        (0.004 + 0.04 * uniform(seed, S_LATE_BASE, pk).pow(3)).alias("late_base"),
        (0.0005 + 0.006 * uniform(seed, S_UNJ_BASE, pk).pow(4)).alias("unj_base"),
    )


def lesson_band(effective_grade: pl.Expr, vocational: pl.Expr) -> pl.Expr:
    """Lessons a day: grades 1–3 four or five, 4–6 five or six, 7–9 six or seven, 10–12 and
    vocational courses seven or eight (the lower bound; the timetable adds 0 or 1)."""
    return (
        pl.when(vocational | (effective_grade >= 10))
        .then(7)
        .when(effective_grade >= 7)
        .then(6)
        .when(effective_grade >= 4)
        .then(5)
        .otherwise(4)
    )


def pupil_days(pupils: pl.DataFrame, days: pl.DataFrame, seed: int) -> pl.DataFrame:
    """One row per pupil and school day, with the day's attendance counts and incident draw.

    ``pupils`` must be sorted by ``pupil_key``: illness spells run over consecutive rows.
    """
    frame = pupils.join(days, how="cross").sort("pupil_key", "day_index")
    pk, d = pl.col("pupil_key"), pl.col("day_index")
    g = (
        pl.when(pl.col("drifting"))
        .then(((pl.col("t") - pl.col("onset")) / (1.0 - pl.col("onset"))).clip(0.0, 1.0))
        .otherwise(0.0)
    )
    eff = pl.col("grade") + pl.col("grade_offset")
    year = pl.col("year_starts_on").dt.year()
    lessons = lesson_band(eff, pl.col("vocational")) + (
        uniform(seed, S_TIMETABLE, pl.col("timetable_key"), pl.col("weekday"), year) < 0.5
    ).cast(pl.Int32)
    season = pl.when(pl.col("month").is_in(WINTER_MONTHS)).then(1.5).otherwise(1.0)
    frame = frame.with_columns(
        g.alias("g"),
        eff.alias("effective_grade"),
        lessons.cast(pl.Int32).alias("lessons"),
        (uniform(seed, S_ILL, pk, d) < ILLNESS_SPELL_START * pl.col("ill_prone") * season).alias("_ill_start"),
        (1 + choice_index(uniform(seed, S_ILL_LEN, pk, d), ILLNESS_SPELL_DAYS)).alias("_ill_len"),
    )
    # A spell that began k school days ago and lasts longer than k days covers today (the
    # ``day_index >= k`` test keeps a spell from leaking into the next pupil's rows).
    ill = pl.any_horizontal(
        pl.col("_ill_start").shift(k).fill_null(False)
        & (pl.col("_ill_len").shift(k).fill_null(0) > k)
        & (pl.col("day_index") >= k)
        for k in range(len(ILLNESS_SPELL_DAYS))
    )
    g, lessons = pl.col("g"), pl.col("lessons")
    unj_event = uniform(seed, S_UNJ, pk, d) < pl.col("unj_base") + 0.004 * pl.col("drifting") + 0.28 * g
    unj_n = (
        pl.when(uniform(seed, S_UNJ_WHOLE, pk, d) < 0.10 + 0.40 * g)
        .then(lessons)
        .otherwise(1 + choice_index(uniform(seed, S_UNJ_N, pk, d), [0.55, 0.30, 0.15]))
    )
    other_n = (
        pl.when(uniform(seed, S_OTHER_WHOLE, pk, d) < 0.35)
        .then(lessons)
        .otherwise(1 + (uniform(seed, S_OTHER_N, pk, d) < 0.4).cast(pl.Int32))
    )
    frame = frame.with_columns(
        ill.alias("_ill"),
        pl.when(uniform(seed, S_OTHER, pk, d) < 0.012).then(pl.min_horizontal(other_n, lessons)).otherwise(0)
        .alias("_other"),
        pl.when(unj_event).then(unj_n).otherwise(0).alias("_unj"),
        (uniform(seed, S_LATE, pk, d) < pl.col("late_base") + 0.05 * g).cast(pl.Int32).alias("_late"),
    )  # fmt: skip
    ill, other = pl.col("_ill"), pl.col("_other")
    frame = frame.with_columns(
        pl.when(ill).then(lessons).otherwise(0).alias("illness"),
        pl.when(ill).then(0).otherwise(other).alias("other_justified"),
        pl.when(ill).then(0).otherwise(pl.min_horizontal(pl.col("_unj"), lessons - other)).alias("unjustified"),
    )
    absent = pl.col("illness") + pl.col("other_justified") + pl.col("unjustified")
    return frame.with_columns(
        pl.when(absent < lessons).then(pl.col("_late")).otherwise(0).alias("late"),
        (absent < lessons).alias("present"),
    ).drop("_ill_start", "_ill_len", "_ill", "_other", "_unj", "_late")


def incidents(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Rare behaviour incidents on days the pupil was at school, concentrated in drifting pupils."""
    pk, d, g, eff = pl.col("pupil_key"), pl.col("day_index"), pl.col("g"), pl.col("effective_grade")
    base = pl.when(eff <= 4).then(0.00012).when(eff <= 9).then(0.00035).otherwise(0.0002)
    chance = base + pl.col("drifting").cast(pl.Float64) * (0.001 + 0.025 * g)
    picked = frame.filter(pl.col("present") & (uniform(seed, S_INCIDENT, pk, d) < chance))
    u_cat = uniform(seed, S_CATEGORY, pk, d)
    category = (
        pl.when(pl.col("drifting"))
        .then(choice_index(u_cat, CATEGORY_WEIGHTS_DRIFTING))
        .otherwise(choice_index(u_cat, CATEGORY_WEIGHTS_ORDINARY))
    )
    u_sev = uniform(seed, S_SEVERITY, pk, d) - 0.25 * g - 0.1 * pl.col("drifting").cast(pl.Float64)
    severity = (
        pl.when(u_sev < 0.05).then(pl.lit("high")).when(u_sev < 0.30).then(pl.lit("medium")).otherwise(pl.lit("low"))
    )
    variant = (uniform(seed, S_DESCRIPTION, pk, d) * 3).floor().cast(pl.Int32)
    descriptions = {i * 3 + k: text for i, texts in enumerate(DESCRIPTIONS) for k, text in enumerate(texts)}
    return picked.select(
        "personal_code",
        "date",
        category.replace_strict(dict(enumerate(INCIDENT_CATEGORIES)), return_dtype=pl.String).alias("category"),
        severity.alias("severity"),
        (category * 3 + variant).replace_strict(descriptions, return_dtype=pl.String).alias("description"),
    )
