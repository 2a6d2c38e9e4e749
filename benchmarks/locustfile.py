"""The roles' daily paths for ``benchmarks/load.py`` (locust; run it through load.py, which seeds
the accounts, starts ``pumpurs serve`` on 127.0.0.1 and reads the results).

Every virtual user signs in once, through the login form, as a distinct seeded account of its
role (``PUMPURS_LOAD_ACCOUNTS``: the JSON file load.py writes), then walks its role's pages with
a think time of 1–3 s. Forms are posted as a browser posts them: the page is fetched, the form's
hidden inputs (the CSRF token and whatever else the form carries) are sent back with the fields.
A request is an error when it answers anything but the expected status.

Weights (of 50 users): 20 class teachers, 12 school coordinators, 8 municipality coordinators,
5 national programme staff, 5 data protection officers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import time
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from locust import FastHttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

ACCOUNTS: dict[str, list[dict[str, str]]] = json.loads(Path(os.environ["PUMPURS_LOAD_ACCOUNTS"]).read_text())
PASSWORD = os.environ.get("PUMPURS_LOAD_PASSWORD", "demo")
# The users load.py starts: once all of them have signed in, the page statistics start afresh
# (the steady state: a sign-in burst is a separate figure, kept in PUMPURS_LOAD_SIGN_INS).
EXPECTED = int(os.environ.get("PUMPURS_LOAD_USERS", "0"))
SIGN_INS: list[float] = []
RIGA = ZoneInfo("Europe/Riga")  # the server's TIME_ZONE: forms take local times
_next = {role: itertools.count() for role in ACCOUNTS}


class _Forms(HTMLParser):
    """The hidden inputs of every form on a page, by the form's action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = self.forms.setdefault(values.get("action", ""), {})
        elif tag == "input" and self._current is not None and values.get("type") == "hidden" and "name" in values:
            self._current[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def hidden_inputs(html: str, action: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(html)
    if action not in parser.forms:
        raise LookupError(f"no form posting to {action} on the page")
    return parser.forms[action]


class Staff(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 3)
    account: dict[str, str]

    def on_start(self) -> None:
        accounts = ACCOUNTS[self.role]
        index = next(_next[self.role])
        if index >= len(accounts):
            raise StopUser(f"only {len(accounts)} seeded {self.role} accounts")
        self.account = accounts[index]
        page = self.client.get("/login/", name="sign-in page")
        fields = hidden_inputs(page.text or "", "/login/")
        fields |= {"username": self.account["username"], "password": PASSWORD}
        started = time.perf_counter()
        with self.client.post(
            "/login/", data=fields, headers={"Referer": f"{self.host}/login/"}, name="sign in", catch_response=True
        ) as response:
            if "/login/" in (response.url or ""):
                response.failure(f"{self.account['username']} could not sign in")
                raise StopUser()
        SIGN_INS.append((time.perf_counter() - started) * 1000)
        if len(SIGN_INS) == EXPECTED:
            self.environment.runner.stats.reset_all()  # type: ignore[union-attr]  # a local runner always
            self.environment.events.request.fire(
                request_type="-", name="all users signed in", response_time=0, response_length=0, exception=None
            )

    def page(self, path: str, name: str) -> str:
        return self.client.get(path, name=name).text or ""

    def post_form(self, page_path: str, page_name: str, action: str, fields: dict[str, str], name: str) -> None:
        """Fetch the page, post its form with the hidden inputs; the answer must be the redirect
        of a successful write (a refusal re-renders the form with 400, counted as an error)."""
        html = self.page(page_path, page_name)
        data = hidden_inputs(html, action) | fields
        with self.client.post(
            action,
            data=data,
            headers={"Referer": f"{self.host}{page_path}"},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{name}: {response.status_code} (expected the 302 of a saved form)")


class ClassTeacher(Staff):
    weight = 20
    role = "class_teacher"

    @task(3)
    def my_work(self) -> None:
        self.page("/", "my work (/)")

    @task(3)
    def watch_list(self) -> None:
        self.page(f"/risk/watch/?institution={self.account['institution']}", "watch list")

    @task(3)
    def pupil_page(self) -> None:
        self.page(f"/pupils/{self.account['pupil']}/", "pupil page")

    @task(1)
    def record_contact(self) -> None:
        self.post_form(
            f"/support/cases/{self.account['case']}/",
            "case page",
            f"/support/cases/{self.account['case']}/contacts/",
            {
                "happened_at": dt.datetime.now(RIGA).strftime("%Y-%m-%dT%H:%M"),
                "channel": "phone",
                "guardian": "",
                "summary": "Zvans mātei par kavējumiem (slodzes tests).",
            },
            "record a contact (POST)",
        )


class SchoolCoordinator(Staff):
    weight = 12
    role = "school_coordinator"

    @task(3)
    def my_work(self) -> None:
        self.page("/", "my work (/)")

    @task(3)
    def plan_page(self) -> None:
        self.page(f"/support/plans/{self.account['plan']}/", "plan page")

    @task(1)
    def record_delivery(self) -> None:
        plan = self.account["plan"]
        self.post_form(
            f"/support/plans/{plan}/",
            "plan page",
            f"/support/plans/{plan}/compensations/",
            {
                "compensation-line": self.account["line"],
                "compensation-starts_on": dt.datetime.now(RIGA).date().isoformat(),
                "compensation-ends_on": "",
                "compensation-quantity": "0.01",
                "compensation-amount": "",
            },
            "record a delivery (POST)",
        )

    @task(1)
    def monthly_report(self) -> None:
        self.page("/finance/reports/", "monthly reports")


class MunicipalityCoordinator(Staff):
    weight = 8
    role = "municipality_coordinator"

    @task(2)
    def my_work(self) -> None:
        self.page("/", "my work (/)")

    @task(2)
    def dashboard(self) -> None:
        self.page(f"/monitoring/municipality/{self.account['municipality']}/", "municipality dashboard")

    @task(1)
    def budget(self) -> None:
        self.page("/finance/", "budget")

    @task(2)
    def absence_follow_ups(self) -> None:
        self.page("/work/absences/", "absence follow-ups")


class National(Staff):
    weight = 5
    role = "national_programme"

    @task(2)
    def dashboard(self) -> None:
        self.page("/monitoring/national/", "national dashboard")

    @task(1)
    def indicators(self) -> None:
        self.page("/monitoring/indicators/", "indicators")


class DataProtectionOfficer(Staff):
    weight = 5
    role = "data_protection_officer"

    @task
    def audit_trail(self) -> None:
        self.page("/audit/", "audit trail")


@events.quitting.add_listener
def _save_sign_ins(environment: Environment, **_kwargs: object) -> None:
    target = os.environ.get("PUMPURS_LOAD_SIGN_INS")
    if target:
        Path(target).write_text(json.dumps(SIGN_INS))
