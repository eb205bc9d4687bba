"""Real engines, driven the way production runs them: PostgreSQL, promtool, amtool, and Grafana's
SQL macro expansion. Tests, the benchmark and the previews import these; they import nothing of
the tests."""
