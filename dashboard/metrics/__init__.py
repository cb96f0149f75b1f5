"""The metrics layer: every figure of the dashboard, defined once.

Pages, the CLI report and the briefing call these functions; none of them writes SQL.
A figure function takes a ``Warehouse`` and a ``Scope`` and returns plain data::

    from dashboard.metrics import Scope, summary
    from dashboard.warehouse import Warehouse

    wh = Warehouse("data/warehouse.duckdb")
    summary(wh, Scope(date(2025, 1, 1), date(2025, 3, 31), "ZX410106"))

``FIGURES`` (``dashboard.metrics.catalog``) lists each figure once: key, Chinese name,
unit, kind, the function that returns it, its tables and its 口径, read by tiles, tables,
the report and the briefing; the SQL lives in ``dashboard.metrics.queries``.
"""

from __future__ import annotations

from dashboard.metrics.catalog import FIGURES, FIGURES_BY_KEY, Figure, figure
from dashboard.metrics.figures import (
    PRIOR_WEIGHT,
    SELF_LABEL,
    TARGET_METRICS,
    activity_figures,
    by_brand,
    by_category,
    by_month,
    by_target_group,
    by_unit,
    coverage,
    coverage_by_town,
    order_figures,
    person_figures,
    person_times_sources,
    rating_figures,
    rating_prior,
    summary,
    target_progress,
    targets_progress,
    unit_activities,
    units_by_level,
    village_gaps,
    villages,
)
from dashboard.metrics.practices import five_haves, points, rankings, stars, three_lists
from dashboard.metrics.queries import QUERIES
from dashboard.metrics.reader import OutOfScope, Reader
from dashboard.metrics.scope import LEVELS, Scope, UnknownUnit, data_end, months_touched, resolve

__all__ = [
    "FIGURES",
    "FIGURES_BY_KEY",
    "LEVELS",
    "PRIOR_WEIGHT",
    "QUERIES",
    "SELF_LABEL",
    "TARGET_METRICS",
    "Figure",
    "OutOfScope",
    "Reader",
    "Scope",
    "UnknownUnit",
    "activity_figures",
    "by_brand",
    "by_category",
    "by_month",
    "by_target_group",
    "by_unit",
    "coverage",
    "coverage_by_town",
    "data_end",
    "figure",
    "five_haves",
    "months_touched",
    "order_figures",
    "person_figures",
    "person_times_sources",
    "points",
    "rating_figures",
    "rating_prior",
    "rankings",
    "resolve",
    "stars",
    "summary",
    "target_progress",
    "three_lists",
    "targets_progress",
    "unit_activities",
    "units_by_level",
    "village_gaps",
    "villages",
]
