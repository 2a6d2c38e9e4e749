"""The indicator report as JSON (for the national team's own processing) and as a table for CSV
and XLSX (``core.export``: formula-safe), with Latvian column names. Hidden small cells are empty
(``null`` in JSON) and marked in their own column: the same protection as the page."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pumpurs.core.export import Cell
from pumpurs.reporting.indicators.catalogue import INDICATORS
from pumpurs.reporting.indicators.report import Report, Shown


def _json_value(value: Shown) -> int | float | None:
    if isinstance(value, Decimal):
        return float(value)
    return value


def as_json(report: Report) -> str:
    """``[{"scope": …, "code": …, "name": …, "indicators": {CODE: value, …}}, …]``."""
    data: list[dict[str, Any]] = [
        {
            "scope": scope.scope,
            "code": scope.code,
            "name": scope.name,
            "indicators": {i.code: _json_value(scope.values[i.code]) for i in INDICATORS},
        }
        for scope in report.scopes
    ]
    return json.dumps(data, ensure_ascii=False, indent=2)


def scope_label(scope: str) -> str:
    return {"national": _("national"), "municipality": _("municipality"), "institution": _("school")}[scope]


def unit_label(unit: str) -> str:
    return {"count": pgettext("unit of an indicator", "number"), "hours": _("hours"), "cents": _("euro cents")}[unit]


def table(report: Report) -> tuple[list[str], list[list[Cell]]]:
    """One row per scope and indicator, in Latvian whatever the reader's language (the programme
    reports in Latvian; the codes stay for machines)."""
    with translation.override("lv"):
        header = [
            _("Level"),
            _("Territory or school code"),
            pgettext("indicator export column", "Name"),
            _("Indicator code"),
            _("Indicator"),
            _("Value"),
            _("Unit"),
            _("Hidden (small number)"),
        ]
        rows: list[list[Cell]] = []
        for scope in report.scopes:
            for indicator in INDICATORS:
                value = scope.values[indicator.code]
                rows.append(
                    [
                        scope_label(scope.scope),
                        scope.code,
                        scope.name,
                        indicator.code,
                        indicator.label,
                        value,
                        unit_label(indicator.unit),
                        _("yes") if value is None else "",
                    ]
                )
    return header, rows


def filename(report: Report) -> str:
    name = report.year.name.replace("/", "-")
    return f"raditaji-{name}" + (f"-s{report.period.number}" if report.period else "")
