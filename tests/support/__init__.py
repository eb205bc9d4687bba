"""Helpers for tests that run real engines (PostgreSQL) and reproduce what Grafana does to queries."""
