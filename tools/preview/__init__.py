"""Pictures of every dashboard, with data, drawn without a Grafana.

    python -m tools.preview --stack prod             # build/prod/previews/<uid>.png + index.html
    python -m tools.preview.compare --base origin/main --stack prod   # before/after of changed ones

The dashboards come from the offline plan (tools.plan); each panel's queries run on the engines
the tests use (a seeded PostgreSQL, a Prometheus server with backfilled synthetic series, a fixture
of Loki log lines); each panel is drawn by the drawer of its type (tools.preview.draw) at the place
the 24-column grid gives it (tools.preview.layout). Same plan, same bytes: "now" and the data are
fixed, the fonts are matplotlib's own, and the PNGs carry no metadata.
"""
