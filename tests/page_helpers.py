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
