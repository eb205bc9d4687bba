"""Explicit per-stack providers: nothing in this program uses a default provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_postgresql as postgresql
import pulumi_random as random
import pulumiverse_grafana as grafana

from settings import Settings

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class Providers:
    grafana: grafana.Provider
    postgresql: postgresql.Provider
    kubernetes: k8s.Provider | None
    random: random.Provider


def create_providers(settings: Settings, parent: pulumi.Resource) -> Providers:
    pg = settings.postgres
    child = pulumi.ResourceOptions(parent=parent)
    grafana_provider = grafana.Provider(
        "grafana",
        url=settings.grafana.url,
        auth=settings.grafana.auth,
        org_id=settings.grafana.org_id,  # an integer input; above 1 only with basic auth (settings)
        opts=child,
    )
    postgres_provider = postgresql.Provider(
        "postgresql",
        host=pg.host,
        port=pg.port,
        database=pg.database,
        username=pg.admin_user,
        password=pg.admin_password,
        sslmode=pg.sslmode,
        superuser=False,  # a role with CREATEROLE suffices; no superuser is assumed
        connect_timeout=15,
        opts=child,
    )
    kubernetes_provider = None
    if settings.kubernetes_secret:
        import pulumi_kubernetes as k8s  # loaded only by a stack that publishes the Secret

        kubernetes_provider = k8s.Provider(
            "kubernetes",
            context=settings.kubernetes_secret.context,
            namespace=settings.kubernetes_secret.namespace,
            opts=child,
        )
    random_provider = random.Provider("random", opts=child)
    return Providers(grafana_provider, postgres_provider, kubernetes_provider, random_provider)
