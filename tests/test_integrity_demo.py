"""The county demo shows every pattern of the integrity audit: the 补报 ledgers of
pipelines/demo/integrity_plants.py plant each in its named stations."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.metrics import Scope, integrity
from dashboard.warehouse import Warehouse
from pipelines.demo import integrity_plants as plants

STATION = "{}新时代文明实践站"


@pytest.fixture(scope="module")
def demo_audit(demo_db):
    return integrity.audit(Warehouse(demo_db), Scope(date(2025, 1, 1), date(2025, 12, 31)))


def _names(result, key):
    check = next(check for check in result["checks"] if check["key"] == key)
    return {unit["name"] for unit in check["units"]}


@pytest.mark.parametrize(
    ("key", "places"),
    [
        ("overlap", plants.OVERLAP),
        ("copied", plants.COPIED),
        ("heaping", (plants.HEAPING,)),
        ("burst", (plants.BURST,)),
        ("hours", (plants.HOURS,)),
        ("headcount", (plants.HEADCOUNT,)),
        ("ratings", (plants.RATED_EARLY, plants.ALL_FIVE, *plants.COMMENTED)),
    ],
)
def test_each_planted_station_is_flagged_by_its_check(demo_audit, key, places):
    assert {STATION.format(place) for place in places} <= _names(demo_audit, key)


def test_only_the_planted_activities_have_hours_that_cannot_be(demo_audit):
    # the demo's own ledgers raise no flag of check 5: every flagged row is a 补报 one
    check = next(check for check in demo_audit["checks"] if check["key"] == "hours")
    ids = [row["activity_ids"][0] for unit in check["units"] for row in unit["rows"]]
    assert len(ids) == 4  # three activities, and one volunteer's 服务时长
    assert all(activity_id.startswith("BB2025") for activity_id in ids)
