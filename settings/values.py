"""Value types of the settings, each checked as the system that consumes it would check it.

Each type is `Annotated[...]` with a `Doc` (what the README's settings table says of its type and
range) and a validator that raises `invalid(...)` with a message that never echoes a secret.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, NamedTuple
from urllib.parse import urlsplit

import idna
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

from model.durations import canonical, format_duration, parse_duration
from settings.problems import did_you_mean, looks_like_secret, shown


class Doc(NamedTuple):
    """What the settings table shows for a type: its kind and allowed values."""

    kind: str
    allowed: str = ""


def invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("settings", message)


def _checked(kind: str, allowed: str, check: Callable[[Any], Any]) -> Any:
    return Annotated[str, BeforeValidator(check), Doc(kind, allowed)]


def _matching(kind: str, allowed: str, pattern: str, must: str) -> Any:
    """A string that matches `pattern` whole; otherwise refused with `must (got <value>)`."""
    regex = re.compile(pattern)

    def check(value: Any) -> str:
        if not isinstance(value, str) or not regex.fullmatch(value):
            raise invalid(f"{must} (got {shown(value)})")
        return value

    return _checked(kind, allowed, check)


# --- durations -------------------------------------------------------------------------------

# PostgreSQL's timeouts are int milliseconds: at most 2147483647 ms.
PG_MAX_MS = 2**31 - 1
PG_MAX_SECONDS = PG_MAX_MS // 1000


def duration(low: int, high: int, consumer: str) -> Any:
    """A Prometheus-style duration from `low` to `high` seconds, given back in canonical form
    (`24h` -> `1d`), as Grafana stores it."""
    span = f"{format_duration(low)} to {format_duration(high)}"

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise invalid(f"must be a duration like 30s, 15m or 1h (got {shown(value)})")
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise invalid(f"must be a duration like 30s, 15m or 1h (got {shown(value)})") from None
        if not low <= seconds <= high:
            raise invalid(f"must be from {span} ({consumer}; got {shown(value)})")
        return canonical(value)

    return _checked("duration", span, check)


# --- numbers and flags -----------------------------------------------------------------------


def integer(low: int, high: int) -> Any:
    return Annotated[StrictInt, Field(ge=low, le=high), Doc("integer", f"{low} to {high}")]


Flag = Annotated[StrictBool, Doc("boolean", "true, false")]

# A pack option's type, from its default's (`PackOption`): the loader checks it, the table shows it.
PACK_OPTION_TYPES = {bool: Flag, int: integer(0, 2**31 - 1), str: Annotated[str, Doc("text")]}


# --- URLs and hosts --------------------------------------------------------------------------

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _no_control(value: str) -> None:
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in value):
        raise invalid("must not contain spaces or control characters")


def _check_host(host: str) -> str:
    if not host:
        raise invalid("must name a host")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    if not host.isascii():
        try:
            ascii_form = idna.encode(host, uts46=True).decode()
        except idna.IDNAError:
            raise invalid("has a host name that is not a valid internationalised domain name") from None
        raise invalid(f"must write the host in its ASCII (punycode) form: {ascii_form}")
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise invalid("must name a host: letters, digits and '-' between dots, or an IP address")
    return host


def check_url(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(f"must be an http(s) URL (got {shown(value)})")
    _no_control(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise invalid("must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise invalid("must not hold credentials (user:password@); they belong in secrets")
    if parts.query or parts.fragment:
        raise invalid("must not have a query (?) or fragment (#)")
    try:
        port = parts.port
    except ValueError:
        raise invalid("has an invalid port: use 1 to 65535") from None
    if port == 0:
        raise invalid("has an invalid port: use 1 to 65535")
    _check_host(parts.hostname or "")
    return value.rstrip("/")


def check_host(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(f"must be a host name or IP address (got {shown(value)})")
    _no_control(value)
    if "://" in value or "/" in value or value.count(":") == 1:
        raise invalid("must be a host name or IP address only, without scheme, port or path")
    return _check_host(value)


Url = _checked("URL", "http:// or https://, ASCII host, port 1 to 65535", check_url)
Host = _checked("host", "DNS name (ASCII form) or IP address", check_host)


# --- PostgreSQL identifiers ------------------------------------------------------------------

# PostgreSQL's reserved key words (categories R and T of pg_get_keywords()): not usable as plain
# role, schema or table names. tests/test_settings_values.py compares this with a real PostgreSQL.
_RESERVED_WORDS = """all analyse analyze and any array as asc asymmetric authorization binary both case
    cast check collate collation column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user default deferrable desc
    distinct do else end except false fetch for foreign freeze from full grant group having ilike in
    initially inner intersect into is isnull join lateral leading left like limit localtime
    localtimestamp natural not notnull null offset on only or order outer overlaps placing primary
    references returning right select session_user similar some symmetric table tablesample then to
    trailing true union unique user using variadic verbose when where window with"""
PG_RESERVED = frozenset(_RESERVED_WORDS.split())
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def identifier(kind: str) -> Any:
    """A plain (unquoted) PostgreSQL identifier for a role, schema, table or database."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise invalid(f"must be a {kind} name (got {shown(value)})")
        if _IDENTIFIER.fullmatch(value.lower()) and value != value.lower():
            raise invalid(f"must be lower case: PostgreSQL folds unquoted names, write {value.lower()}")
        if not _IDENTIFIER.fullmatch(value) or len(value.encode()) > 63:
            raise invalid(
                f"must be a plain {kind} name: a-z, 0-9 and _, not starting with a digit, at most 63 bytes"
            )
        if value in PG_RESERVED:
            raise invalid(f"is a PostgreSQL reserved word; choose another {kind} name")
        if kind in ("schema", "table") and (value in SYSTEM_SCHEMAS or value.startswith("pg_")):
            raise invalid(f"names a PostgreSQL system {kind}: Grafana must never read the catalogs")
        if kind == "role" and (value == "public" or value.startswith("pg_")):
            raise invalid("is a role name PostgreSQL reserves (public, pg_*)")
        if kind == "database" and value in ("template0", "template1"):
            raise invalid("is a PostgreSQL template database")
        return value

    return _checked("identifier", f"plain lower-case {kind} name, not reserved", check)


Role = identifier("role")
Schema = identifier("schema")
Table = identifier("table")
Database = identifier("database")

# --- alerting --------------------------------------------------------------------------------

LabelName = _matching(
    "label name",
    "[a-zA-Z_][a-zA-Z0-9_]*",
    r"^[a-zA-Z_][a-zA-Z0-9_]*$",
    "must be a label name: [a-zA-Z_][a-zA-Z0-9_]*",
)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def check_zone(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(f"must be an IANA time zone like Europe/Zurich (got {shown(value)})")
    if value in _zones():
        return value
    guess = _ascii_fold(value) if _ascii_fold(value) in _zones() else did_you_mean(value, _zones())
    hint = f"; did you mean {guess}?" if guess else " like UTC or Europe/Zurich"
    raise invalid(f"is not a time zone of the IANA database{hint}")


TimeZone = _checked("time zone", "IANA name (UTC, Europe/Zurich)", check_zone)

_CLOCK = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


def check_clock(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise invalid('must be a time in quotes, like "02:00" (YAML 1.1 reads 02:00 as a number)')
    if not isinstance(value, str) or not _CLOCK.fullmatch(value):
        raise invalid(f"must be a 24-hour time HH:MM from 00:00 to 24:00 (got {shown(value)})")
    return value


Clock = _checked("time", "HH:MM, 00:00 to 24:00", check_clock)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def check_weekday(value: Any) -> str:
    if value not in WEEKDAYS:
        guess = did_you_mean(str(value), WEEKDAYS) if isinstance(value, str) else None
        hint = f"; did you mean {guess}?" if guess else ""
        raise invalid(f"must be a weekday name, monday to sunday{hint}")
    return value


Weekday = _checked("weekday", "monday to sunday", check_weekday)

# --- receivers -------------------------------------------------------------------------------

ReceiverName = _matching(
    "receiver name",
    "letters, digits, - and _",
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$",
    "must be a receiver name: letters, digits, '-' and '_', at most 39",
)
SlackChannel = _matching(
    "Slack channel",
    "#name, lower case",
    r"^#[a-z0-9][a-z0-9._-]{0,79}$",
    "must be a Slack channel like #alerts: lower case, no spaces",
)
# Slack's ids: a user group's starts with S, a user's with U or W (what `<!subteam^ID>` and `<@ID>` take).
SlackGroupId = _matching(
    "Slack user group id",
    "S then upper-case letters and digits",
    r"^S[A-Z0-9]{5,20}$",
    "must be a Slack user group id like S0123ABCD (Slack: the group's profile, copy group ID), "
    "not its @handle",
)
SlackUserId = _matching(
    "Slack member id",
    "U or W then upper-case letters and digits",
    r"^[UW][A-Z0-9]{5,20}$",
    "must be a Slack member id like U0123ABCD, not a display name",
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.fullmatch(value) or not value.isascii():
        raise invalid(f"must be an e-mail address (got {shown(value)})")
    return value


Email = _checked("e-mail address", "", check_email)

# The program's own credentials: never a receiver's secret (a PagerDuty receiver must not be handed
# the database admin's password).
OWN_CREDENTIALS = ("grafanaAuth", "postgresAdminPassword", "slackToken")
_SECRET_KEY = re.compile(r"^[a-z][A-Za-z0-9]{0,62}$")


def check_secret_key(value: Any) -> str:
    if looks_like_secret(value):
        raise invalid(
            "holds what looks like the secret itself (not shown); name a config key here and store "
            "the value with `pulumi config set --secret`"
        )
    if not isinstance(value, str) or not _SECRET_KEY.fullmatch(value):
        raise invalid(f"must name a config key, like pagerdutyClerkKey (got {shown(value)})")
    if value in OWN_CREDENTIALS:
        raise invalid(f"names the program's own credential {value}; a receiver needs its own key")
    return value


SecretKey = _checked("config key", "camelCase key holding the receiver's secret", check_secret_key)

KubernetesName = _matching(
    "Kubernetes name",
    "lower-case DNS label",
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
    "must be a Kubernetes name: a lower-case DNS label",
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value) or value != value.strip():
        raise invalid(f"must be a name: letters, digits, space, '.', '_' and '-' (got {shown(value)})")
    return value


DisplayName = _checked("name", "letters, digits, space . _ -, at most 100", check_name)

StackName = _matching(
    "stack name",
    "prod, staging, or any other stack",
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
    "must be the stack's name, like prod, staging or alice-dev",
)


def reason(value: Any) -> str:
    if not isinstance(value, str) or len(value.strip()) < 10:
        raise invalid("must say why, in at least 10 characters (it is shown in every plan)")
    _no_control(value.replace(" ", "_"))
    return value.strip()


Reason = _checked("text", "why, at least 10 characters", reason)


def unique(what: str) -> AfterValidator:
    def check(values: tuple) -> tuple:
        seen = [v.lower() if isinstance(v, str) else v for v in values]
        if len(set(seen)) != len(seen):
            raise invalid(f"must not list a {what} twice")
        return values

    return AfterValidator(check)
