"""wenming.toml: every key a user may set is read, converted to its declared type."""

from __future__ import annotations

from pipelines import settings

TOML = """
effective_k = 2
low_score_threshold = 3
server_address = "127.0.0.1"
points_per_hour = 2.5
star_hours = [10, 20, 30, 40, 50]
score_weights = [50, 25, 25]
team_min_members = 5
[limits]
max_zip_entries = 10
[import_roots]
"共享盘" = "/srv/x"
[audit]
disabled = ["overlap", "copied"]
overlap_minutes = 30
burst_period = "quarter"
burst_factor = 2
"""


def test_every_given_key_is_read_with_its_declared_type(tmp_path):
    path = tmp_path / "wenming.toml"
    path.write_text(TOML, encoding="utf-8")
    cfg = settings._load_config(str(path))
    assert cfg.effective_k == 2 and type(cfg.effective_k) is int
    assert cfg.low_score_threshold == 3.0 and type(cfg.low_score_threshold) is float
    assert cfg.server_address == "127.0.0.1"
    assert cfg.points_per_hour == 2.5  # a float setting is never cut to an int
    assert cfg.star_hours == (10.0, 20.0, 30.0, 40.0, 50.0)
    assert cfg.score_weights == (50.0, 25.0, 25.0)
    assert cfg.team_min_members == 5
    assert cfg.max_zip_entries == 10 and cfg.max_unzipped_mb == 1024
    assert cfg.import_roots == {"共享盘": "/srv/x"}
    assert cfg.audit.disabled == ("overlap", "copied")
    assert cfg.audit.overlap_minutes == 30
    assert cfg.audit.burst_period == "quarter"
    assert cfg.audit.burst_factor == 2.0 and type(cfg.audit.burst_factor) is float
    assert cfg.audit.copied_min_persons == 10  # not given: the default


def test_a_missing_file_gives_the_defaults(tmp_path):
    assert settings._load_config(str(tmp_path / "none.toml")) == settings.Config()
