"""The dashboard's entry point: ``streamlit run dashboard/app.py``.

It sets the page up and hands over to ``st.navigation``; each page is one file under
``views/`` (listed in ``ui.PAGES``), so every page can be opened, linked and tested alone.
The folder is not called ``pages/``: with a ``pages/`` folder beside the entry point,
Streamlit starts in its v1 multipage mode until ``st.navigation`` first runs, so the first
visitor after a restart who opens a deep link (``/coverage?unit=SA``) gets that page
without this file (streamlit/runtime/scriptrunner/script_runner.py, ``_mpa_v1``).
"""

from __future__ import annotations

import streamlit as st

from dashboard import ui

st.set_page_config(page_title=ui.APP_TITLE, page_icon=":material/bar_chart:", layout="wide")
page = st.navigation(ui.navigation_pages())
ui.style()  # after st.navigation: its one-time rerun must come back to this page
ui.run(page)
