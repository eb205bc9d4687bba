"""The pack kit: what every team's pack builds its dashboards and alerts from.

- `targets`: query targets and data-source references (SQL, PromQL, LogQL) from the catalogue;
- `promql`: the rate interval and the PromQL idioms (rate sums, quantiles over histogram rates);
- `panels`: default panels per visualisation and the field-config pieces they share;
- `dashboard`: the header every dashboard has, rows, variables that offer All, rendering;
- `alerts`: an alert factory per pack that fills the pack's defaults.

A pack module reads as its outline: one small named function per panel, rows listing them.
"""
