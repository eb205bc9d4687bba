"""The data behind the pictures: a seeded PostgreSQL, a Prometheus with synthetic series, Loki lines."""
