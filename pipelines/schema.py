"""The warehouse schema: typed tables with the contract's English keys.

Every fact row carries its provenance (``source_file``, ``source_sheet``,
``source_row``) so any figure can be traced to the ledger rows behind it.
"""

from __future__ import annotations

# Tables derived from the loaded ones by ``pipelines.summaries`` (the figures read them).
SUMMARY_TABLES = (
    "persons",
    "activity_facts",
    "sign_ins",
    "person_months",
    "volunteer_hours",
    "redemption_balances",
)

PROVENANCE = """
    source_file VARCHAR NOT NULL,
    source_sheet VARCHAR,
    source_row INTEGER NOT NULL"""

DDL: dict[str, str] = {
    # one row per unit (阵地): 省/市/中心/所/站/点/基地
    "units": f"""
CREATE TABLE units (
    unit_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    parent_id VARCHAR,
    division_code VARCHAR,
    serves VARCHAR[],
    opened_on DATE,
    is_model BOOLEAN NOT NULL,
    lng DOUBLE,
    lat DOUBLE,
    head VARCHAR,
    is_rules_posted BOOLEAN,
    room_count INTEGER,
    area_sqm DECIMAL(14, 2),{PROVENANCE}
)""",
    # one row per official division code (区划)
    "divisions": f"""
CREATE TABLE divisions (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    urban_rural VARCHAR,
    population BIGINT,
    is_village BOOLEAN NOT NULL,{PROVENANCE}
)""",
    # one row per brand project (品牌项目)
    "brands": f"""
CREATE TABLE brands (
    brand_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    unit_id VARCHAR NOT NULL,
    category VARCHAR,
    started_on DATE,{PROVENANCE}
)""",
    # one row per citizen order (点单)
    "orders": f"""
CREATE TABLE orders (
    order_id VARCHAR PRIMARY KEY,
    ordered_at TIMESTAMP NOT NULL,
    category VARCHAR NOT NULL,
    content VARCHAR,
    unit_id VARCHAR NOT NULL,
    dispatched_at TIMESTAMP,
    accepted_unit_id VARCHAR,
    accepted_at TIMESTAMP,
    completed_at TIMESTAMP,
    status VARCHAR NOT NULL,{PROVENANCE}
)""",
    # one row per activity (活动); start_on is start_at's date, the period key
    "activities": f"""
CREATE TABLE activities (
    activity_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    unit_id VARCHAR NOT NULL,
    brand_id VARCHAR,
    category VARCHAR NOT NULL,
    start_at TIMESTAMP NOT NULL,
    start_on DATE NOT NULL,
    end_at TIMESTAMP,
    source VARCHAR NOT NULL,
    order_id VARCHAR,
    volunteer_count INTEGER,
    volunteer_hours DECIMAL(14, 2),
    target_group VARCHAR,
    reported_person_times INTEGER,
    location VARCHAR,{PROVENANCE}
)""",
    # one row per sign-in (person_id set) or headcount line (person_id null)
    "attendance": f"""
CREATE TABLE attendance (
    activity_id VARCHAR NOT NULL,
    person_id VARCHAR,
    headcount INTEGER NOT NULL,
    checked_in_at TIMESTAMP,
    person_group VARCHAR,
    role VARCHAR NOT NULL,
    service_hours DECIMAL(14, 2),{PROVENANCE}
)""",
    # one row per rating (评单)
    "ratings": f"""
CREATE TABLE ratings (
    activity_id VARCHAR NOT NULL,
    rater_id VARCHAR,
    score TINYINT NOT NULL,
    comment VARCHAR,
    rated_at TIMESTAMP,{PROVENANCE}
)""",
    # one row per (year, unit, metric) target; 满意率 stored as a fraction 0–1
    "targets": f"""
CREATE TABLE targets (
    year INTEGER NOT NULL,
    unit_id VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DOUBLE NOT NULL,{PROVENANCE}
)""",
    # one row per volunteer team (志愿服务队伍) of a unit
    "teams": f"""
CREATE TABLE teams (
    team_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    unit_id VARCHAR NOT NULL,
    category VARCHAR,
    founded_on DATE,
    member_count INTEGER,{PROVENANCE}
)""",
    # one row per redemption of points at a unit's 爱心超市 (积分兑换); person_id as in
    # attendance (pseudonymous, phone/ID-like values hashed with the same salt)
    "redemptions": f"""
CREATE TABLE redemptions (
    redemption_id VARCHAR PRIMARY KEY,
    person_id VARCHAR NOT NULL,
    unit_id VARCHAR NOT NULL,
    redeemed_at TIMESTAMP NOT NULL,
    points INTEGER NOT NULL,
    item VARCHAR,{PROVENANCE}
)""",
    # one row per (unit, ancestor-or-self): "a unit and everything below it" is one join
    "unit_tree": """
CREATE TABLE unit_tree (
    unit_id VARCHAR NOT NULL,
    ancestor_id VARCHAR NOT NULL,
    depth INTEGER NOT NULL
)""",
    # ---- summaries (pipelines/summaries.py), derived from the tables above by every build
    # one row per distinct attendance person_id, numbered 1, 2, … by first appearance in
    # (source_file, source_sheet NULLS FIRST, source_row) order: stable when rows are added
    "persons": """
CREATE TABLE persons (
    person_id VARCHAR NOT NULL,
    person_no INTEGER NOT NULL
)""",
    # one row per activity: its own columns, its 群众 attendance and its ratings aggregated;
    # activity_no numbers activities by (source_file, source_sheet NULLS FIRST, source_row)
    "activity_facts": """
CREATE TABLE activity_facts (
    activity_no INTEGER NOT NULL,
    activity_id VARCHAR NOT NULL,
    unit_id VARCHAR NOT NULL,
    brand_id VARCHAR,
    category VARCHAR NOT NULL,
    target_group VARCHAR,
    start_on DATE NOT NULL,
    volunteer_count INTEGER,
    volunteer_hours DECIMAL(14, 2),
    reported_person_times INTEGER,
    headcount BIGINT,
    signed_in BIGINT NOT NULL,
    has_records BOOLEAN NOT NULL,
    person_times BIGINT NOT NULL,
    ratings INTEGER NOT NULL,
    score_sum INTEGER NOT NULL,
    satisfied INTEGER NOT NULL,
    rated_1 INTEGER NOT NULL,
    rated_2 INTEGER NOT NULL,
    rated_3 INTEGER NOT NULL,
    rated_4 INTEGER NOT NULL,
    rated_5 INTEGER NOT NULL
)""",
    # one row per attendance row with a person_id (a sign-in): its activity and person
    "sign_ins": """
CREATE TABLE sign_ins (
    activity_no INTEGER NOT NULL,
    role VARCHAR NOT NULL,
    person_no INTEGER NOT NULL
)""",
    # one row per (unit of level 省/市/中心/所, calendar month, role) with a sign-in: the
    # persons who signed in at the unit or below it that month, as a roaring bitmap
    "person_months": """
CREATE TABLE person_months (
    unit_id VARCHAR NOT NULL,
    month DATE NOT NULL,
    role VARCHAR NOT NULL,
    persons INTEGER NOT NULL,
    person_set BLOB NOT NULL
)""",
    # one row per (activity, 志愿者 person_id) of the attendance rows with a person and
    # service hours: the activity's unit and start, the person's service hours summed
    # (the per-volunteer hours 积分 and 星级 read, without the 30 M sign-ins of a province)
    "volunteer_hours": """
CREATE TABLE volunteer_hours (
    activity_no INTEGER NOT NULL,
    person_id VARCHAR NOT NULL,
    unit_id VARCHAR NOT NULL,
    start_on DATE NOT NULL,
    start_at TIMESTAMP,
    service_hours DECIMAL(18, 2) NOT NULL
)""",
    # one row per redemption: its person's service hours of activities started at or
    # before it and points redeemed before it (pipelines.summaries.REDEMPTION_BALANCES)
    "redemption_balances": """
CREATE TABLE redemption_balances (
    redemption_id VARCHAR NOT NULL,
    hours_before DECIMAL(18, 2) NOT NULL,
    spent_before BIGINT NOT NULL
)""",
    # one row per rejected input row (including conflicts)
    "rejects": """
CREATE TABLE rejects (
    file VARCHAR NOT NULL,
    sheet VARCHAR,
    "row" INTEGER NOT NULL,
    table_name VARCHAR NOT NULL,
    reason_code VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw VARCHAR NOT NULL,
    row_key VARCHAR,
    content_hash VARCHAR,
    kept_file VARCHAR,
    kept_sheet VARCHAR,
    kept_row INTEGER
)""",
    # one row per input file (or sheet) of the build
    "source_files": """
CREATE TABLE source_files (
    file VARCHAR NOT NULL,
    sheet VARCHAR,
    status VARCHAR NOT NULL,
    table_name VARCHAR,
    "rows" INTEGER NOT NULL,
    sha256 VARCHAR,
    modified_at TIMESTAMP
)""",
    # one row per setting of the build that an incremental build must find unchanged
    "build_state": """
CREATE TABLE build_state (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
)""",
    # one row: the build's manifest as JSON, and its stamps
    "manifest": """
CREATE TABLE manifest (
    as_of TIMESTAMP NOT NULL,
    built_at TIMESTAMP NOT NULL,
    build_id VARCHAR NOT NULL,
    manifest_json VARCHAR NOT NULL
)""",
}
