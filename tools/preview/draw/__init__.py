"""One drawer per panel type; each draws a panel's content inside the rectangle it is given.

`DRAWERS[panel["type"]]` is called as `draw(canvas, box, panel, data)`; a type without a drawer
is drawn as Grafana draws an unknown plugin: its name, in the panel's frame.
"""

from __future__ import annotations

from tools.preview.draw import barchart, bargauge, gauge, heatmap, logs, piechart, stat, table, timeseries

DRAWERS = {
    "timeseries": timeseries.draw,
    "stat": stat.draw,
    "gauge": gauge.draw,
    "bargauge": bargauge.draw,
    "piechart": piechart.draw,
    "barchart": barchart.draw,
    "heatmap": heatmap.draw,
    "table": table.draw,
    "logs": logs.draw,
}
