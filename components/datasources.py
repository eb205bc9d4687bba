"""Grafana data sources with pinned uids: PostgreSQL (`postgres.datasourceName`), Loki and Prometheus."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi

# Each class from its own module: the first attribute read on `pulumiverse_grafana.oss` executes
# every module of that namespace, most of which this program never uses.
from pulumiverse_grafana.oss.data_source import DataSource

from components.providers import Providers
from model.datasources import CATALOGUE
from model.pack import DerivedField
from settings import Settings


class DataSources(pulumi.ComponentResource):
    uids: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        settings: Settings,
        providers: Providers,
        readonly_role: pulumi.Output[str],
        readonly_password: pulumi.Output[str],
        readonly_grants: Sequence[pulumi.Resource] = (),
        derived_fields: tuple[DerivedField, ...] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`readonly_grants`: what the PostgreSQL data source waits for, so Grafana never connects
        as a role that cannot read yet (a component's own `depends_on` does not reach its children)."""
        super().__init__("observability:grafana:DataSources", name, None, opts)
        child = pulumi.ResourceOptions(provider=providers.grafana, parent=self, protect=settings.protect)
        pg = settings.postgres
        postgres = DataSource(
            f"{name}-postgres",
            uid=CATALOGUE["postgres"].uid,
            name=pg.datasource_name,
            type=CATALOGUE["postgres"].plugin_type,
            url=f"{pg.host}:{pg.port}",
            username=readonly_role,  # the role's output, so the engine orders the data source after it
            json_data_encoded=json.dumps(
                {
                    "database": pg.database,
                    "sslmode": pg.sslmode,
                    "postgresVersion": pg.version * 100,
                    "timescaledb": False,
                    "maxOpenConns": pg.max_open_connections,
                    "maxIdleConns": pg.max_open_connections,
                    "connMaxLifetime": 14400,
                    "timeInterval": "1m",
                },
                sort_keys=True,
            ),
            # The whole JSON is secret because the password is; `Output.json_dumps` keeps the mark.
            secure_json_data_encoded=pulumi.Output.secret(
                pulumi.Output.json_dumps({"password": readonly_password})
            ),
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=list(readonly_grants))
            ),
        )
        loki = DataSource(
            f"{name}-loki",
            uid=CATALOGUE["loki"].uid,
            name="loki",
            type=CATALOGUE["loki"].plugin_type,
            url=settings.loki.url,
            json_data_encoded=json.dumps(
                {
                    "timeout": settings.loki.timeout_s,
                    "maxLines": settings.loki.max_lines,
                    "tlsSkipVerify": settings.loki.tls_skip_verify,
                    "derivedFields": [
                        {
                            "name": f.name,
                            "matcherRegex": f.matcher_regex,
                            "url": f.url,
                            "urlDisplayLabel": f.name,
                        }
                        for f in derived_fields
                    ],
                },
                sort_keys=True,
            ),
            opts=child,
        )
        prometheus = DataSource(
            f"{name}-prometheus",
            uid=CATALOGUE["prometheus"].uid,
            name="prometheus",
            type=CATALOGUE["prometheus"].plugin_type,
            url=settings.prometheus.url,
            json_data_encoded=json.dumps(
                {
                    "timeout": settings.prometheus.timeout_s,
                    "timeInterval": settings.prometheus.scrape_interval,
                    "httpMethod": "POST",
                    "tlsSkipVerify": settings.prometheus.tls_skip_verify,
                },
                sort_keys=True,
            ),
            opts=child,
        )
        self.uids = {"postgres": postgres.uid, "loki": loki.uid, "prometheus": prometheus.uid}
        self.register_outputs({"uids": self.uids})
