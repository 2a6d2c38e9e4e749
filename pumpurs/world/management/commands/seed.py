"""``pumpurs seed --preset gulbene|national [--pupils N] [--seed N] [--today YYYY-MM-DD] [--no-facts]``.

People first (``people.seeding``), then — unless ``--no-facts`` — the journal facts
(``world.facts``: attendance, grades, incidents through the import services), and for the
Gulbene demo the risk picture (``risk.seeding``, unless ``--no-risk``) and the support cycle
(``support.seeding``, unless ``--no-risk`` or ``--no-support``), all in one transaction.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pumpurs.core.management.dates import today_option
from pumpurs.people.seeding import PRESETS, seed_apply


class Command(BaseCommand):
    help = "Fill an empty database with deterministic synthetic data (same seed → same data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", required=True, choices=PRESETS, help="gulbene (demo) or national (large)")
        parser.add_argument("--pupils", type=int, default=None, help="pupils for the national preset (250 000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--today", default=None, help="the date to seed for, YYYY-MM-DD (default: today)")
        parser.add_argument("--no-facts", action="store_true", help="people only: no attendance, grades or incidents")
        parser.add_argument(
            "--no-risk", action="store_true", help="gulbene: no flags, decisions or questionnaires on top of the facts"
        )
        parser.add_argument(
            "--no-support", action="store_true", help="gulbene: no support cases, plans, deliveries or reviews"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"]
        if today is None:
            today = timezone.localdate()
        elif isinstance(today, str):
            today = today_option(today)
        pupils = options["pupils"]
        if pupils is not None and pupils < 0:
            raise CommandError(_("--pupils must not be negative."))
        started = time.perf_counter()
        facts: dict[str, int] = {}
        risk: dict[str, int] = {}
        support: dict[str, int] = {}
        youth: dict[str, int] = {}
        prevention: dict[str, int] = {}
        money: dict[str, int] = {}
        history: dict[str, int] = {}
        try:
            with transaction.atomic():
                counts = seed_apply(preset=options["preset"], seed=options["seed"], today=today, pupils=pupils)
                if not options["no_facts"]:
                    from pumpurs.world.facts import facts_seed

                    facts = facts_seed(preset=options["preset"], seed=options["seed"], today=today)
                    if options["preset"] == "gulbene" and not options["no_risk"]:
                        # The demo's early-identification picture: flags, decisions, questionnaires.
                        from pumpurs.risk.seeding import risk_seed

                        risk = risk_seed(seed=options["seed"], today=today)
                        if not options["no_support"]:
                            # The support cycle on top: cases, plans in every state, deliveries, reviews.
                            from pumpurs.finance.seeding import finance_seed, finance_seed_rates
                            from pumpurs.support.seeding import support_seed

                            # Example rates first, so that the plans the support seed approves commit.
                            finance_seed_rates(today=today)
                            support = support_seed(seed=options["seed"], today=today)
                            money = finance_seed(today=today)
                            # The past school years: outcomes, rule quality and error rates to show.
                            from pumpurs.reporting.seeding import history_seed

                            history = history_seed(seed=options["seed"], today=today)
                if options["preset"] == "gulbene":
                    # Activity 3: Gulbene's youth initiative call, its applications in every state.
                    from pumpurs.youth.seeding import youth_seed

                    youth = youth_seed(today=today)
                    # Activity 2: two trainings with participants, one held, one coming.
                    from pumpurs.prevention.seeding import prevention_seed

                    prevention = prevention_seed(today=today)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        seconds = time.perf_counter() - started
        lines = [
            _("Seeded preset %(preset)s (seed %(seed)s, %(date)s) in %(seconds).1f s:")
            % {"preset": options["preset"], "seed": options["seed"], "date": today.isoformat(), "seconds": seconds},
            _("  municipalities: %(n)d") % {"n": counts["municipalities"]},
            _("  institutions: %(n)d") % {"n": counts["institutions"]},
            _("  classes: %(n)d") % {"n": counts["classes"]},
            _("  pupils: %(n)d") % {"n": counts["pupils"]},
            _("  enrolments: %(n)d") % {"n": counts["enrolments"]},
            _("  guardians: %(n)d") % {"n": counts["guardians"]},
            _("  staff accounts: %(n)d (password: demo)") % {"n": counts["users"]},
            _("  role grants: %(n)d") % {"n": counts["role_grants"]},
        ]
        if facts:
            lines += [
                _("  attendance days: %(n)d") % {"n": facts["attendance"]},
                _("  grades: %(n)d") % {"n": facts["grades"]},
                _("  incidents: %(n)d") % {"n": facts["incidents"]},
            ]
        if risk:
            lines += [
                _("  open flags: %(n)d (accepted %(a)d, dismissed %(d)d)")
                % {"n": risk["flags"], "a": risk["accepted"], "d": risk["dismissed"]},
                _("  risk questionnaires submitted: %(n)d") % {"n": risk["assessments"]},
            ]
        if support:
            from pumpurs.support.models import PlanStatus

            states = ", ".join(
                f"{status.label} {support[f'plans_{status.value}']}"
                for status in PlanStatus
                if support.get(f"plans_{status.value}")
            )
            lines += [
                _("  support cases: %(n)d") % {"n": support["cases"]},
                _("  support plans: %(n)d (%(states)s)") % {"n": support["plans"], "states": states},
                _("  consultations: %(c)d; compensations and items: %(k)d")
                % {"c": support["consultations"], "k": support["compensations"]},
                _("  semester reviews: %(n)d") % {"n": support["reviews"]},
            ]
        if money:
            lines.append(
                _("  budgets: %(b)d; monthly expense reports: %(r)d (rates are examples, not the programme's)")
                % {"b": money["budgets"], "r": money["reports"]}
            )
        if history:
            lines.append(
                _("  past school years: %(pupils)d former pupils, %(flags)d flags, %(plans)d finished plans")
                % {"pupils": history["former_pupils"], "flags": history["past_flags"], "plans": history["past_plans"]}
            )
        if youth:
            lines.append(
                _("  youth initiative calls: %(calls)d (applications: %(applications)d)")
                % {"calls": youth["calls"], "applications": youth["applications"]}
            )
        if prevention:
            lines.append(
                _("  trainings: %(trainings)d (participants: %(participants)d)")
                % {"trainings": prevention["trainings"], "participants": prevention["participants"]}
            )
        self.stdout.write("\n".join(lines))
