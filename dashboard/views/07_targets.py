"""目标进度: to be filled in (scope bar, title and guard only for now)."""

from dashboard import metrics, ui

scope = ui.scope_bar()
ui.title("目标进度")

figures = ui.load(metrics.activity_figures, scope)
ui.guard(figures["activities"], ui.MSG_EMPTY_SCOPE)
