"""``phi-scrub policy``: inspect and validate de-identification policies."""

from __future__ import annotations

import click
import orjson

from scrubbers.policy import DEFAULT_PRESET, PRESETS, Policy, load_policy
from scrubbers.policy_yaml import PolicyError


def _load(spec: str) -> Policy:
    try:
        return load_policy(spec)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("policy")
def policy_group() -> None:
    """Inspect and validate policies (presets: safe-harbor, limited-data-set, pseudonymized)."""


@policy_group.command("validate")
@click.argument("specs", nargs=-1, required=True, metavar="NAME|FILE...")
def validate(specs: tuple[str, ...]) -> None:
    """Check policies; print id, version and content hash of each valid one."""
    failed = False
    for spec in specs:
        try:
            loaded = load_policy(spec)
        except PolicyError as exc:
            click.echo(f"invalid: {exc}", err=True)
            failed = True
            continue
        click.echo(f"ok: {spec}: {loaded.id} {loaded.version} {loaded.content_hash}")
    if failed:
        raise SystemExit(1)


@policy_group.command("show")
@click.argument("spec", default=DEFAULT_PRESET, metavar="[NAME|FILE]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def show(spec: str, as_json: bool) -> None:
    """Print a policy's provenance and its rules in match order."""
    loaded = _load(spec)
    rules = [
        {
            "rule": rule.index,
            "line": rule.line,
            "match": dict(rule.selectors) if rule.index >= 0 else "default",
            "method": rule.method,
            "with": dict(rule.params),
            "description": rule.description,
        }
        for rule in (*loaded.rules, loaded.default)
    ]
    if as_json:
        document = {**loaded.provenance, "source": loaded.source, "rules": rules}
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(f"{loaded.id} {loaded.version} {loaded.content_hash} ({loaded.source})")
    for rule in rules:
        where = f"line {rule['line']}" if rule["rule"] != -1 else "default"
        match = orjson.dumps(rule["match"]).decode()
        params = f" {orjson.dumps(rule['with']).decode()}" if rule["with"] else ""
        note = f"  # {rule['description']}" if rule["description"] else ""
        click.echo(f"  {where:>9}  {match} -> {rule['method']}{params}{note}")


__all__ = ["PRESETS", "policy_group"]
