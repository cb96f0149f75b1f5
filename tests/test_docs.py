"""The documentation shows the JSON shapes the CLI really prints."""

import json
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _json_blocks(text: str) -> list[dict]:
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", text, flags=re.S)]


@pytest.mark.parametrize(
    "schema",
    ["manifest.schema.json", "report.schema.json", "user.schema.json", "map.schema.json"],
)
def test_cli_doc_embeds_each_json_schema_as_tested(schema):
    blocks = _json_blocks((DOCS / "cli.md").read_text(encoding="utf-8"))
    assert json.loads((DOCS / "schemas" / schema).read_text(encoding="utf-8")) in blocks
