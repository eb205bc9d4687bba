"""The role's session defaults through the real Pulumi engine, against the real PostgreSQL.

The Pulumi CLI is built from the Go module proxy (tools/toolchain); a missing CLI fails these tests.
The program is inline (Automation API), so the CLI runs it without the Python language host, and
it declares the component's own `session_defaults` resource. The PostgreSQL and random provider
plugins are not served by the module proxy (tools/toolchain/versions.env), so the Role and its
Grants are applied beside the engine from the prod plan's own inputs, as SQL written from the
provider's source (tests/readonly_role.py); the provider itself never runs here.

Lifecycle: `pulumi up`; `pulumi preview --expect-no-changes`; an update (`postgres.lockTimeout`);
a replacement (`postgres.readonlyRole` renamed); `pulumi destroy`. After each: the probes, the
application still works, and nobody else's privileges or settings changed.
"""

from __future__ import annotations

import base64
import json
import os
import pickletools
import sys
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

from components.postgres_role import RoleSpec, session_defaults
from tests.plans import plan_of
from tests.readonly_role import (
    DeclaredRole,
    assert_read_only,
    connect_as_role,
    drop_role_sql,
    execute_as_admin,
    grant_sql,
    revoke_sql,
    role_defaults,
    role_sql,
)
from tools.engines.clerk_database import ADMIN, ADMIN_PASSWORD, ClerkDatabase, clerk_database

pytest_plugins = ["tools.engines.postgres"]

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "observability-role-engine"
STACK = "engine"
RENAMED = "grafana_readonly_v2"
PASSPHRASE = "test-only-passphrase-1a9e"
ROTATED_PASSWORD = "test-only-rotated-password-77b0"


@pytest.fixture(scope="module")
def declared() -> DeclaredRole:
    return DeclaredRole.from_plan(plan_of("prod").plan["resources"])


@pytest.fixture(scope="module")
def db(postgres_server, declared) -> Iterator[ClerkDatabase]:
    with clerk_database(postgres_server, "clerk", other_roles=(declared.name, RENAMED)) as db:
        db.app_works()
        yield db


def apply_role_and_grants(db: ClerkDatabase, declared: DeclaredRole) -> None:
    """The Role and Grants of the plan, as pulumi-postgresql's source runs them (its plugin is not built)."""
    execute_as_admin(db, role_sql(declared.role))
    assert not execute_as_admin(db, [s for g in declared.grants for s in grant_sql(g)])


def program() -> None:
    """The component's session defaults, from stack config like the main program's settings."""
    config = pulumi.Config()
    spec = RoleSpec(
        host=config.require("host"),
        port=config.require_int("port"),
        database="clerk",
        schema="public",
        sslmode="disable",
        admin_user=ADMIN,
        admin_password=config.require_secret("adminPassword"),
        role=config.require("readonlyRole"),
        tables=("sites",),
        connection_limit=10,
        statement_timeout_s=30,
        idle_in_transaction_timeout_s=60,
        lock_timeout_s=config.require_int("lockTimeoutSeconds"),
        protect=False,
    )
    session_defaults("observability-readonly-settings", spec, spec.role, pulumi.ResourceOptions())


@pytest.fixture(scope="module")
def stack(toolchain, db, tmp_path_factory) -> Iterator[auto.Stack]:
    work = tmp_path_factory.mktemp("pulumi")
    env = {
        "PULUMI_HOME": str(toolchain.pulumi_home),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # The dynamic provider runs in this interpreter's virtualenv and imports the components.
        "PULUMI_RUNTIME_VIRTUALENV": sys.prefix,
        "PYTHONPATH": str(ROOT),
        "PATH": f"{toolchain.bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    settings = auto.ProjectSettings(
        name=PROJECT, runtime="python", backend=auto.ProjectBackend(url=f"file://{work / 'state'}")
    )
    (work / "state").mkdir()
    stack = auto.create_stack(
        STACK,
        project_name=PROJECT,
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(work),
            pulumi_home=str(toolchain.pulumi_home),
            env_vars=env,
            pulumi_command=auto.PulumiCommand(root=str(toolchain.bin_dir.parent)),
            project_settings=settings,
            secrets_provider="passphrase",
        ),
    )
    stack.set_all_config(
        {
            "host": auto.ConfigValue(db.server.host),
            "port": auto.ConfigValue(str(db.server.port)),
            "readonlyRole": auto.ConfigValue("grafana_readonly"),
            "lockTimeoutSeconds": auto.ConfigValue("5"),
            "adminPassword": auto.ConfigValue(ADMIN_PASSWORD, secret=True),
        }
    )
    yield stack
    stack.workspace.remove_stack(STACK, force=True)


def state_file(stack: auto.Stack) -> dict:
    backend = Path(stack.workspace.project_settings().backend.url.removeprefix("file://"))
    (path,) = backend.glob(f".pulumi/stacks/{PROJECT}/{STACK}.json")
    return json.loads(path.read_text())


def changes(result) -> dict[str, int]:
    return {k: v for k, v in (result.summary.resource_changes or {}).items() if k != "same"}


def test_lifecycle_under_the_real_engine(stack, db, declared, toolchain):
    untouched = db.access_snapshot(declared.name, RENAMED)
    apply_role_and_grants(db, declared)
    with connect_as_role(db, declared.name) as conn:  # without its defaults, the role could write
        conn.execute("CREATE TEMPORARY TABLE before_up (id int)")

    # pulumi up: the defaults are set; the role is read-only in effect.
    up = stack.up(on_output=print)
    assert changes(up) == {"create": 2}  # the stack and RoleSettings
    assert role_defaults(db, declared.name)["default_transaction_read_only"] == "on"
    assert role_defaults(db, declared.name)["lock_timeout"] == "5s"
    assert_read_only(db, declared.name, ["sites"])
    db.app_works()
    assert db.access_snapshot(declared.name, RENAMED) == untouched

    # The state holds the admin password only encrypted, and the provider as a bare reference.
    text = json.dumps(state_file(stack))
    assert ADMIN_PASSWORD not in text
    (resource,) = [
        r
        for r in state_file(stack)["checkpoint"]["latest"]["resources"]
        if r["type"].startswith("pulumi-python")
    ]
    for side in ("inputs", "outputs"):
        assert set(resource[side]["password"]) == {"4dabf18193072939515e22adb298388d", "ciphertext"}
    reference = base64.b64decode(resource["outputs"]["__provider"])
    opcodes = [(op.name, arg) for op, arg, _ in pickletools.genops(reference) if arg is not None]
    assert ("SHORT_BINUNICODE", "components.role_settings") in opcodes
    assert ("SHORT_BINUNICODE", "RoleSettingsProvider") in opcodes

    # pulumi preview --expect-no-changes: no permanent diff.
    stack.preview(expect_no_changes=True, on_output=print)

    # An update: postgres.lockTimeout changes in place.
    stack.set_config("lockTimeoutSeconds", auto.ConfigValue("2"))
    assert changes(stack.up(on_output=print)) == {"update": 1}
    assert role_defaults(db, declared.name)["lock_timeout"] == "2s"
    assert_read_only(db, declared.name, ["sites"])
    db.app_works()
    assert db.access_snapshot(declared.name, RENAMED) == untouched

    # A replacement: postgres.readonlyRole renamed; the old role's defaults are RESET, nobody else's.
    renamed = declared.renamed(RENAMED)
    apply_role_and_grants(db, renamed)
    stack.set_config("readonlyRole", auto.ConfigValue(RENAMED))
    assert changes(stack.up(on_output=print)) == {"replace": 1}
    assert role_defaults(db, RENAMED)["default_transaction_read_only"] == "on"
    assert role_defaults(db, declared.name)["default_transaction_read_only"] == "off"
    assert role_defaults(db, declared.name)["lock_timeout"] == "0"
    assert_read_only(db, RENAMED, ["sites"])
    db.app_works()
    assert db.access_snapshot(declared.name, RENAMED) == untouched
    stack.preview(expect_no_changes=True, on_output=print)

    # The admin password rotates: an update that keeps the new one for the next delete.
    with db.as_superuser() as su:
        su.execute(f"ALTER ROLE {ADMIN} PASSWORD '{ROTATED_PASSWORD}'")
    stack.set_config("adminPassword", auto.ConfigValue(ROTATED_PASSWORD, secret=True))
    assert changes(stack.up(on_output=print)) == {"update": 1}
    assert ROTATED_PASSWORD not in json.dumps(state_file(stack))

    # pulumi destroy: the defaults go, the role (managed by the provider) and everyone else stay.
    assert changes(stack.destroy(on_output=print)) == {"delete": 2}
    with db.as_superuser() as su:
        su.execute(f"ALTER ROLE {ADMIN} PASSWORD '{ADMIN_PASSWORD}'")
    assert role_defaults(db, RENAMED)["default_transaction_read_only"] == "off"
    db.app_works()
    assert db.access_snapshot(declared.name, RENAMED) == untouched

    # ... and the provider's deletes of the Grants and Roles of both names (unprotected stacks).
    for role in (declared, renamed):
        execute_as_admin(db, [s for g in role.grants for s in revoke_sql(g)] + drop_role_sql(role.role))
    db.app_works()
    assert db.access_snapshot(declared.name, RENAMED) == untouched
