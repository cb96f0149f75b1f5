"""数据导入与质量: to be filled in (scope bar, title and guard only for now).

It opens on an empty warehouse too: this is where the first files are imported.
"""

from dashboard import ui

scope = ui.scope_bar(require_data=False)
ui.title("数据导入与质量")

ui.guard(scope is not None, ui.MSG_NO_WAREHOUSE)
