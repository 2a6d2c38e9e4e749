"""The risk picture's charts: the generic geometry lives in ``core/charts.py`` (shared with the
monitoring dashboards); this module keeps the names risk has always imported."""

from __future__ import annotations

from pumpurs.core.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, LineChart, Point, Tick, line_chart

__all__ = ["BOTTOM", "HEIGHT", "LEFT", "RIGHT", "TOP", "WIDTH", "LineChart", "Point", "Tick", "line_chart"]
