"""The dashboard's entry point: ``streamlit run dashboard/app.py``.

It sets the page up, asks who is signed in (``signin.gate``: 单机模式 while no account
exists) and hands over to ``st.navigation`` with the pages the account's role may open;
each page is one file under ``views/`` (listed in ``shell.PAGES``), so every page can be
opened, linked and tested alone. Until someone signs in, the navigation is hidden and
the sign-in form shows instead of the page, which runs after sign-in (a deep link keeps
its page). The folder is not called ``pages/``: with a ``pages/`` folder beside the entry
point, Streamlit starts in its v1 multipage mode until ``st.navigation`` first runs, so
the first visitor after a restart who opens a deep link (``/coverage?unit=SA``) gets that
page without this file (streamlit/runtime/scriptrunner/script_runner.py, ``_mpa_v1``).
"""

from __future__ import annotations

import streamlit as st

from dashboard import signin, ui

st.set_page_config(page_title=ui.APP_TITLE, page_icon=ui.APP_ICON, layout="wide")
account = signin.gate()
page = st.navigation(
    ui.navigation_pages(account), position="sidebar" if account else "hidden", expanded=True
)
ui.style()  # after st.navigation: its one-time rerun must come back to this page
if account is None:
    signin.form()
    st.stop()
signin.account_box(account, ui.home_name(account.home))
ui.run(page, account)
