"""The county demo shows every pattern of the integrity audit: the 补报 ledgers of
pipelines/demo/integrity_plants.py plant each in its named stations."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date

import pytest

from dashboard.metrics import Scope, integrity
from dashboard.warehouse import Warehouse
from pipelines.demo import integrity_plants as plants
from pipelines.demo import practices

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


def test_only_the_planted_activities_have_hours_that_cannot_be(demo_db, demo_audit):
    # every flagged row is a 补报 one, or an activity of the practices generator's few
    # whose volunteers' 服务时长 deliberately add up to more than 10 % off the ledger's
    # 志愿服务时长 (spec: practices.md, the audit lists them): one row each
    check = next(check for check in demo_audit["checks"] if check["key"] == "hours")
    rows = [row for unit in check["units"] for row in unit["rows"]]
    planted = [row for row in rows if row["activity_ids"][0].startswith("BB2025")]
    assert len(planted) == 4  # three activities, and one volunteer's 服务时长
    served = defaultdict(float)
    path = demo_db.parent / "demo" / practices.HOURS_FILE
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for record in csv.DictReader(fh):
            served[record["活动编码"]] += float(record["服务时长（小时）"])
    ledger = {
        r["activity_id"]: r["volunteer_hours"]
        for r in Warehouse(demo_db).query(
            "SELECT activity_id, volunteer_hours FROM activities"
            " WHERE start_at >= DATE '2025-01-01' AND start_at < DATE '2026-01-01'"
        )
    }
    off = {
        activity_id
        for activity_id, total in served.items()
        if activity_id in ledger and abs(total - ledger[activity_id]) > 0.1 * ledger[activity_id]
    }
    assert off  # the generator's ~3 % are there to be found
    others = [row["activity_ids"][0] for row in rows if row not in planted]
    assert sorted(others) == sorted(off)
