"""Stack configuration -> validated, frozen settings.

`load()` reads every `observability:*` key once and checks it as a whole against a declared schema
(`settings.models` and `settings.alerting`, pydantic, unknown keys refused at every level) and across sections
(`settings.checks`) before any resource is registered. Every problem names its key and a fix that
works as printed (`settings.problems`); all are reported together in one `SettingsError`.
`bind_packs()` then checks the settings against what the packs declare (receiver roles, tables).
Stack files themselves are read strictly by `settings.stack_file`.
"""

from model.vocabulary import ALERT_CATEGORIES, SEVERITIES
from settings.alerting import MaintenanceWindow, RoutingSettings
from settings.alerting import ReceiverBase as Receiver
from settings.loader import load, required_secrets
from settings.models import (
    GrafanaSettings,
    KubernetesSecretSettings,
    LokiSettings,
    PostgresSettings,
    PrometheusSettings,
    Settings,
)
from settings.packs import bind_packs
from settings.problems import NAMESPACE, Problem, SettingsError

__all__ = [
    "ALERT_CATEGORIES",
    "NAMESPACE",
    "SEVERITIES",
    "GrafanaSettings",
    "KubernetesSecretSettings",
    "LokiSettings",
    "MaintenanceWindow",
    "PostgresSettings",
    "PrometheusSettings",
    "Problem",
    "Receiver",
    "RoutingSettings",
    "Settings",
    "SettingsError",
    "bind_packs",
    "load",
    "required_secrets",
]
