"""The offline plan: run the real program on Pulumi's mock engine with a stack's own config.

No Pulumi CLI, no Grafana, no credentials. Secrets the stack needs are replaced by marked
placeholders; every value the engine receives marked secret is written as "[secret]". A known
secret value that reaches the engine *unmarked* is an error, never written.

    python -m tools.plan --stack prod            # writes build/prod/plan.json and dashboards/
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import logging
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from model.serialise import to_json
from settings.stack_file import StackFileError, load_yaml, read_stack_file

ROOT = Path(__file__).resolve().parent.parent
SECRET = "[secret]"
LINT_FINDINGS = 4  # exit code: the plan was written in full, and the dashboard lint found something
MOCK_PASSWORD = "mock-generated-password-7f3a9c"  # what the mock engine "generates" for RandomPassword

if TYPE_CHECKING:
    from model.pack import Pack, PackContext
    from tools.mock_engine import Registration

    PackBuilder = Callable[[PackContext], Pack]


class SecretLeak(Exception):
    """A known secret value reached the engine without the secret mark."""


@dataclass
class PlanResult:
    project: str
    stack: str
    plan: dict[str, Any]  # exactly what plan.json holds
    dashboards: dict[str, dict[str, Any]]  # uid -> model, as the engine received it
    outputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    # uid -> the dashboard's `configJson` exactly as the engine received it (what build/ writes)
    dashboard_texts: dict[str, str] = field(default_factory=dict)


def project_name() -> str:
    return load_yaml(ROOT / "Pulumi.yaml")["name"]


def read_stack_config(stack: str, config_file: Path | None = None) -> dict[str, Any]:
    """The stack file's `config:` (strictly read: StackFileError names the file and line)."""
    path = Path(config_file) if config_file else ROOT / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise StackFileError(path, None, "no such stack file: stacks are " + ", ".join(list_stacks()))
    return read_stack_file(path)


def list_stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


def placeholder(key: str, basic_auth: bool = False) -> str:
    """A marked stand-in for a secret; `user:password`-shaped where the stack declares basic auth."""
    name = key.split(":")[-1]
    return (
        f"placeholder-user:placeholder-secret-for-{name}" if basic_auth else f"placeholder-secret-for-{name}"
    )


def engine_config(
    project: str, raw: Mapping[str, Any], secrets: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Stack YAML -> the engine's config map (values as strings, objects as JSON).

    Returns (config, secret keys, secret values used). Encrypted values (`secure:`) and every
    secret the settings require but the file lacks get a placeholder (or the given value).
    """
    from settings import NAMESPACE, required_secrets

    config: dict[str, str] = {}
    secret_keys: list[str] = []
    values: dict[str, str] = {}
    for key, value in raw.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret_keys.append(full)
            continue
        config[full] = value if isinstance(value, str) else json.dumps(value)
    plain = {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith(f"{NAMESPACE}:")}
    for name in required_secrets(plain) | {k.split(":", 1)[1] for k in secret_keys}:
        full = f"{NAMESPACE}:{name}"
        if full in config:
            continue  # stored in plain text: the settings report it
        grafana = plain.get("grafana")
        basic = name == "grafanaAuth" and isinstance(grafana, dict) and grafana.get("authType") == "basic"
        values[full] = (secrets or {}).get(full) or placeholder(full, basic)
        config[full] = values[full]
        if full not in secret_keys:
            secret_keys.append(full)
    return config, sorted(secret_keys), values


def _scrub(value: Any, is_secret: Callable[[Any], bool]) -> Any:
    """Replace every engine-marked secret with "[secret]"."""
    if is_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: _scrub(v, is_secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, is_secret) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire has only doubles; show 10, not 10.0
    return value


def _find_leaks(value: Any, secrets: list[str], where: str) -> list[str]:
    if isinstance(value, str):
        return [where for s in secrets if s and s in value]
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in _find_leaks(v, secrets, f"{where}.{k}")]
    if isinstance(value, list):
        return [hit for i, v in enumerate(value) for hit in _find_leaks(v, secrets, f"{where}[{i}]")]
    return []


def _name_from_urn(urn: str) -> str | None:
    """The resource name in a URN; None for the stack itself."""
    if not urn or "::pulumi:pulumi:Stack::" in urn:
        return None
    return urn.split("::")[-1]


def _provider_name(reference: str) -> str | None:
    """A provider reference is "<urn>::<id>"; its name is the URN's last part."""
    return reference.split("::")[-2] if reference else None


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the program registers its resources.

    Registration allocates tens of thousands of long-lived objects (resources, outputs, futures)
    and almost no cyclic garbage, so each automatic collection rescans a growing heap for nothing,
    and more of it the more content there is. Reference counting still frees
    everything else; the collector's previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_plan(
    stack: str,
    config_overrides: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    registered: list[dict[str, Any]] | None = None,
    config_file: Path | None = None,
    packs: Sequence[PackBuilder] | None = None,
    on_register: Callable[[Registration], None] | None = None,
) -> PlanResult:
    """Run the program for `stack` on the mock engine and return what it registered.

    `config_overrides` replaces top-level keys of the stack file (tests use it for bad input);
    `secrets` supplies values for secret keys (tests use known fakes to scan for leaks);
    `registered`, if given, receives every registration as it happens (even when the run fails);
    `config_file` reads another stack file than Pulumi.<stack>.yaml (like `pulumi --config-file`).
    `packs`, if given, are the pack builders to run instead of the registered ones (the benchmark
    builds synthetic content with it). `on_register`, if given, sees each registration as the
    engine receives it, with what it waits for (plan.json keeps no order; tests check it).
    """
    from tools.mock_engine import is_secret, run_on_mocks  # imports pulumi: only when a plan runs

    project = project_name()
    raw = {**read_stack_config(stack, config_file), **(config_overrides or {})}
    config, secret_keys, secret_values = engine_config(project, raw, secrets)
    known_secrets = [*secret_values.values(), MOCK_PASSWORD]
    resources: list[dict[str, Any]] = registered if registered is not None else []
    warnings: list[str] = []

    def new_resource(type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if type_ == "random:index/randomPassword:RandomPassword":
            return {**inputs, "result": MOCK_PASSWORD}
        return inputs

    def record(reg: Registration) -> None:
        if on_register is not None:
            on_register(reg)
        entry = {
            "type": reg.type,
            "name": reg.name,
            "parent": _name_from_urn(reg.parent_urn),
            "inputs": _scrub(reg.inputs, is_secret),
            "options": {
                "custom": reg.custom,
                "protect": reg.protect,
                "retainOnDelete": reg.retain_on_delete,
                "provider": _provider_name(reg.provider_ref),
            },
        }
        leaks = _find_leaks(entry["inputs"], known_secrets, f"{reg.type} {reg.name}")
        if leaks:
            raise SecretLeak("secret value reached the engine unmarked at: " + ", ".join(leaks))
        resources.append(entry)

    class WarningCollector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    logger = logging.getLogger(f"plan.{stack}")
    logger.propagate = False
    logger.handlers = [WarningCollector()]

    with collector_paused():
        import program

        resolved = run_on_mocks(
            program.main if packs is None else functools.partial(program.main, packs),
            project=project,
            stack=stack,
            config=config,
            secret_keys=secret_keys,
            logger=logger,
            on_register=record,
            new_resource=new_resource,
        )
    outputs = {key: SECRET if secret else value for key, (value, secret) in resolved.items()}
    leaks = _find_leaks(outputs, known_secrets, "stack outputs")
    if leaks:
        raise SecretLeak("secret value in stack outputs at: " + ", ".join(leaks))

    resources.sort(key=lambda r: (r["type"], r["name"]))
    dashboards = {}
    texts = {}
    for r in resources:
        if r["type"] == "grafana:oss/dashboard:Dashboard":
            text = r["inputs"]["configJson"]
            model = json.loads(text)
            dashboards[model["uid"]] = model
            texts[model["uid"]] = text
    plan = {"project": project, "stack": stack, "resources": resources, "outputs": outputs}
    return PlanResult(project, stack, plan, dashboards, outputs, warnings, texts)


def write_plan(result: PlanResult, out_root: Path) -> Path:
    out = out_root / result.stack
    if out.exists():
        shutil.rmtree(out)
    (out / "dashboards").mkdir(parents=True)
    (out / "plan.json").write_text(to_json(result.plan))
    for uid, text in sorted(result.dashboard_texts.items()):  # what Grafana receives, written once
        (out / "dashboards" / f"{uid}.json").write_text(text)
    return out


def summary(result: PlanResult, out: Path) -> str:
    counts = Counter(r["type"] for r in result.plan["resources"])
    lines = [f"offline plan of stack '{result.stack}' ({result.project}): {sum(counts.values())} resources"]
    lines += [f"  {n:4d}  {t}" for t, n in sorted(counts.items())]
    lines.append(f"  dashboards: {', '.join(sorted(result.dashboards)) or 'none'}")
    for w in result.warnings:
        lines.append(f"  warning: {w}")
    lines.append(f"written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="one of: " + ", ".join(list_stacks()))
    parser.add_argument("--out", default=str(ROOT / "build"), help="output root (default: build/)")
    parser.add_argument("--config-file", help="read this stack file instead of Pulumi.<stack>.yaml")
    args = parser.parse_args(argv)
    return run(args.stack, Path(args.out), config_file=args.config_file)


def run(
    stack: str,
    out_root: Path,
    packs: Sequence[PackBuilder] | None = None,
    config_file: Path | None = None,
) -> int:
    """Render, write, summarise and lint one stack's plan; the exit status. `packs` and
    `config_file` as in render_plan (the benchmark's synthetic content goes through this path)."""
    sys.path.insert(0, str(ROOT))
    from settings import SettingsError

    try:
        result = render_plan(stack, config_file=config_file, packs=packs)
    except (SettingsError, StackFileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except SecretLeak as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    out = write_plan(result, out_root)
    print(summary(result, out))
    from tools import lint  # the plan calls the lint; the lint knows nothing of the plan

    findings = lint.lint_plan(result)  # dashboards and alert queries against the stack's own data sources
    print("checks run:\n" + lint.summary(result, findings))
    grafana = f"`make check-grafana STACK={stack}`, part of `make test`"
    print(f"  Grafana's schema and query grammars: not run by the plan ({grafana})")
    lint.report(findings)
    return LINT_FINDINGS if findings else 0


def exit_as_process(entry: Callable[[], int]) -> NoReturn:
    """Run a plan command as the short-lived process it is, then exit with its status.

    The collector stays off for the whole run (see collector_paused: the heap only grows, almost
    nothing of it is cyclic garbage). Once the output streams are flushed the process ends with
    `os._exit`, skipping interpreter finalisation: tearing down the objects of the thousands of
    modules the SDKs load, one by one, only frees memory the kernel reclaims at exit anyway (every
    file the plan writes is closed by then). A reader that stops early (`make plan | head`) ends
    the plan quietly, as it ends any command line tool, instead of with a traceback.
    """
    gc.disable()
    try:
        code = entry()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush
        code = 1
    os._exit(code)


if __name__ == "__main__":
    exit_as_process(main)
