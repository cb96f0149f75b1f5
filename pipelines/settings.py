"""One place for paths, table names and tunable settings.

Everything a user may change lives in an optional TOML file (``WENMING_CONFIG``
or ``wenming.toml`` in the working directory); everything else is a constant here.
"""

from __future__ import annotations

import os
import tomllib
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB = DATA_DIR / "warehouse.duckdb"
LEDGER_DIR = DATA_DIR / "ledgers"
TEMPLATE_PATH = DATA_DIR / "templates" / "导入模板.xlsx"

# Tables in the order they are validated: later tables reference earlier ones.
TABLES = (
    "units",
    "divisions",
    "brands",
    "orders",
    "activities",
    "attendance",
    "ratings",
    "targets",
    "teams",
    "redemptions",
)

LEDGER_SUFFIXES = (".csv", ".xlsx", ".xls", ".xlsm")


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The warehouse path: ``--db``, else ``WENMING_DB``, else ``data/warehouse.duckdb``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("WENMING_DB")
    return Path(env) if env else DEFAULT_DB


def salt_path(db: Path) -> Path:
    """The salt for PII hashes is kept beside the warehouse it protects."""
    return db.with_name(db.stem + ".salt")


ACCOUNTS_ENV = "WENMING_ACCOUNTS"


def accounts_path(db: Path) -> Path:
    """The account store (accounts, sessions, audit log): ``WENMING_ACCOUNTS``, else a
    SQLite file beside the warehouse. A build replaces only the warehouse file, so the
    accounts and their log survive every rebuild."""
    env = os.environ.get(ACCOUNTS_ENV)
    return Path(env) if env else db.with_name(db.stem + ".accounts.sqlite")


def decisions_path(db: Path) -> Path:
    """Conflict decisions made by a person, applied by every later build."""
    return db.with_name(db.stem + ".decisions.json")


@dataclass(frozen=True)
class AuditConfig:
    """The integrity audit's rules (docs/figures.md, 数据可信度核查): the ``[audit]`` table of
    wenming.toml. ``disabled`` lists check keys (``overlap``, ``copied``, ``heaping``,
    ``burst``, ``hours``, ``headcount``, ``ratings``) that are not run."""

    disabled: tuple[str, ...] = ()
    # 1 same person, two places: minutes either side of a start without an end
    overlap_minutes: int = 60
    # 2 copied sheets: persons an identical set of participants must hold
    copied_min_persons: int = 10
    # 3 round-number heaping: activities a unit needs in the period; index threshold
    heaping_min_activities: int = 30
    heaping_threshold: int = 250
    # 4 end-of-period bursts: last days of each month / quarter / year; factor; minimum
    burst_days: int = 3
    burst_period: str = "month"
    burst_factor: float = 3.0
    burst_min_activities: int = 10
    # 5 hours that cannot be: most hours one volunteer serves in one activity
    max_hours_per_volunteer: float = 12.0
    service_hours_tolerance: float = 0.10
    # 6 headcounts that cannot be
    population_factor: int = 50
    signin_factor: float = 5.0
    # 7 ratings that cannot be
    rater_min_activities: int = 5
    comment_min_activities: int = 5
    comment_min_chars: int = 15


@dataclass(frozen=True)
class SparkConfig:
    """Where ``wenming build --engine spark`` runs: the ``[spark]`` table of wenming.toml
    (docs/scale.md). ``master`` is Spark's ``spark.master`` (``local[2]``: two cores of
    this machine; ``spark://host:7077`` or ``yarn`` on a cluster)."""

    master: str = "local[2]"
    driver_memory: str = "1g"
    executor_memory: str = "1g"
    shuffle_partitions: int = 2  # spark.sql.shuffle.partitions: ~2-3 per core of the cluster


@dataclass(frozen=True)
class ReportConfig:
    """What ``wenming report`` lists: the ``[report]`` table of wenming.toml. ``list_rows``:
    the rows each list of stations or activities holds (the worst first), beside its
    total; ``wenming report --all`` lists every row."""

    list_rows: int = 100


@dataclass(frozen=True)
class ReadConfig:
    """How the dashboard and ``wenming report`` read the warehouse: the ``[read]`` table of
    wenming.toml. Each reader of the file (the pages' shared one, and the one the audit
    runs on beside them) is a DuckDB instance of its own, capped at ``memory_limit``
    (DuckDB's setting: ``"3GB"``; a query over it spills to ``temp_directory``, default a
    folder in the system's temporary directory) with ``threads`` worker threads (0: one
    per core). ``beside_memory_limit`` caps the reader the audit runs on."""

    memory_limit: str = "3GB"
    threads: int = 0
    beside_memory_limit: str = "1GB"
    temp_directory: str = ""


def _typed(cls: type, raw: dict, *, skip: tuple[str, ...] = ()) -> dict:
    """The fields of dataclass ``cls`` that ``raw`` (a TOML table) gives, each converted to
    its declared type: ``int``, ``float``, ``str`` or a tuple of one of them. Fields of any
    other type, and those in ``skip``, are the caller's to read."""
    hints = typing.get_type_hints(cls)
    out: dict = {}
    for name in cls.__dataclass_fields__:
        if name in skip or name not in raw:
            continue
        kind = hints[name]
        if kind in (int, float, str):
            out[name] = kind(raw[name])
        elif typing.get_origin(kind) is tuple:
            item = typing.get_args(kind)[0]
            out[name] = tuple(item(v) for v in raw[name])
    return out


@dataclass(frozen=True)
class Config:
    """User-tunable settings (see README → 配置)."""

    category_aliases: dict[str, list[str]] = field(default_factory=dict)
    salt: str | None = None
    effective_k: int = 1
    low_score_threshold: float = 3.5
    idle_days: int = 60
    tile_url: str | None = None
    # 排名 marks: a unit's figure over its benchmark (target pro-rated, else the average)
    rank_green: float = 1.0  # 绿 at or above
    rank_yellow: float = 0.8  # 黄 at or above, 红 below
    # limits on a workbook, checked before it is read (pipelines.preflight)
    max_zip_entries: int = 10_000
    max_unzipped_mb: int = 1024
    max_zip_ratio: int = 200
    max_sheet_cells: int = 20_000_000
    max_shared_strings_mb: int = 256
    max_read_memory_mb: int = 4096
    # ledger dates are accepted from 1 January of min_year to 31 December of the as-of
    # year + years_ahead; the CLI's date arguments from min_year to LATEST_ARG_YEAR
    min_year: int = 1949
    years_ahead: int = 1
    # upper bounds of one ledger row's numbers (docs/figures.md, 数值上限)
    max_headcount: int = 1_000_000  # 志愿者人数, 参与人次, 人数 of one row
    max_volunteer_hours: float = 1_000_000  # 志愿服务时长 of one activity

    # largest ledger file the page accepts (upload or folder import), in MB
    upload_max_mb: int = 200
    # server folders 从服务器文件夹导入 may read, by the label the page shows; none: disabled
    import_roots: dict[str, str] = field(default_factory=dict)

    session_idle_hours: float = 8.0  # a signed-in session ends after this long idle
    server_address: str = "0.0.0.0"  # where `make run` serves once an account exists
    audit: AuditConfig = field(default_factory=AuditConfig)  # the integrity audit's rules
    spark: SparkConfig = field(default_factory=SparkConfig)  # wenming build --engine spark
    report: ReportConfig = field(default_factory=ReportConfig)  # what wenming report lists
    read: ReadConfig = field(default_factory=ReadConfig)  # DuckDB's memory for readers

    # the practices' figures (docs/figures.md, 五有、红灰黑榜、三张清单、积分、星级志愿者)
    points_per_hour: float = 10  # 积分 per volunteer service hour
    points_per_signin: float = 0  # 积分 per sign-in as 群众
    star_hours: tuple[float, ...] = (100, 300, 600, 1000, 1500)  # hours for 1..5 stars
    team_min_members: int = 10  # 有队伍: a team of at least this many members
    red_share: float = 0.1  # 红榜: the top share of the stations not on the 黑榜
    grey_share: float = 0.2  # 灰榜: the bottom share of them
    # the station score's parts: activity, satisfaction, order completion (sum 100)
    score_weights: tuple[float, float, float] = (40, 30, 30)

    def staging(self) -> dict:
        """The settings that decide which rows a build keeps: part of the cache fingerprint
        (so a change re-stages every file) and of the state an append must find unchanged."""
        return {
            "category_aliases": self.category_aliases,
            "min_year": self.min_year,
            "years_ahead": self.years_ahead,
            "max_headcount": self.max_headcount,
            "max_volunteer_hours": self.max_volunteer_hours,
            "limits": {name: getattr(self, name) for name in LIMITS},
        }


# the [limits] table of wenming.toml
LIMITS = (
    "max_zip_entries",
    "max_unzipped_mb",
    "max_zip_ratio",
    "max_sheet_cells",
    "max_shared_strings_mb",
    "max_read_memory_mb",
)


# The latest year a CLI date argument (--from, --to, --as-of, --date) may name: later
# dates are typing slips, and Python's dates end at 9999.
LATEST_ARG_YEAR = 2100


@lru_cache(maxsize=4)
def _load_config(path: str | None) -> Config:
    if not path or not Path(path).is_file():
        return Config()
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    limits = raw.get("limits", {})
    return Config(
        **_typed(Config, raw, skip=LIMITS),
        category_aliases={k: list(v) for k, v in raw.get("categories", {}).items()},
        salt=raw.get("salt"),
        tile_url=raw.get("tile_url"),
        **{name: int(limits[name]) for name in LIMITS if name in limits},
        import_roots={str(k): str(v) for k, v in raw.get("import_roots", {}).items()},
        audit=AuditConfig(**_typed(AuditConfig, raw.get("audit", {}))),
        spark=SparkConfig(**_typed(SparkConfig, raw.get("spark", {}))),
        report=ReportConfig(**_typed(ReportConfig, raw.get("report", {}))),
        read=ReadConfig(**_typed(ReadConfig, raw.get("read", {}))),
    )


def config() -> Config:
    """The configuration in force: ``WENMING_CONFIG`` or ``./wenming.toml``."""
    path = os.environ.get("WENMING_CONFIG") or str(Path.cwd() / "wenming.toml")
    return _load_config(path)
