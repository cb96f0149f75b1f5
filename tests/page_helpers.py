"""What an AppTest run shows, read back as plain data: tiles, tables, texts, downloads.

Shared by the page tests (``test_pages``, ``test_data_page``, ``test_clerk_page``).
"""

from __future__ import annotations

from io import BytesIO

import python_calamine
from streamlit.testing.v1 import AppTest


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, *headers: str) -> list[dict]:
    """The rows of the first table whose columns start with ``headers``."""
    return _rows(at.dataframe, headers, "table")


def preview(at: AppTest, *headers: str) -> list[dict]:
    """The rows of the import preview's table (``st.table``) whose columns start with
    ``headers``."""
    return _rows(at.table, headers, "preview table")


def _rows(elements, headers: tuple[str, ...], what: str) -> list[dict]:
    for element in elements:
        frame = element.value
        if list(frame.columns)[: len(headers)] == list(headers):
            return frame.to_dict("records")
    raise AssertionError(f"no {what} starting with {headers}")


def texts(at: AppTest) -> str:
    elements = [*at.markdown, *at.caption, *at.info, *at.error, *at.success, *at.warning]
    return "\n".join(e.value for e in elements)


def sheet_rows(data: bytes) -> list[list]:
    book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


# the fixture county's unit tree as 阵地覆盖 lists it: (阵地, 层级, 期内活动场次), worked
# out by hand from tests/fixtures (the default period: 2025 to the as-of date)
COVERAGE_TREE = [
    ("上街区新时代文明实践中心", "中心", "13"),
    ("上街区红色教育实践基地", "基地", "1"),
    ("济源路街道新时代文明实践所", "所", "5"),
    ("东林子社区新时代文明实践站", "站", "3"),
    ("西林子社区新时代文明实践站", "站", "1"),
    ("峡窝镇新时代文明实践所", "所", "6"),
    ("五云联合新时代文明实践站", "站", "4"),  # A04 A06 A12 and its 点's A05
    ("五云秀场新时代文明实践点", "点", "1"),
    ("营坡顶村新时代文明实践站", "站", "2"),
]
