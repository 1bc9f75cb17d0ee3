"""docs/configuration.md, generated from the settings the validator accepts (iacguard/settings.py).

`python -m iacguard.settings_reference --write` rewrites it; tests/test_settings_reference.py
fails when a setting has no description here or the file is not current. Names, types and
defaults come from the code; only the meaning and an example are written by hand, below.
"""

from __future__ import annotations

import json
import sys
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

# setting name -> (meaning, example value as written in .iacguard.yaml)
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "fail_on": ("Lowest severity that fails the run (exit 1): low, medium, high, critical, or none "
                "(never fail on findings). `--fail-on` overrides it.", "fail_on: medium"),
    "enable": ("Run only these checks or families; empty runs all. Unknown names are errors "
               "(`iacguard list-checks` prints them). `--enable` adds to it.", "enable: [least-privilege, IAG-AK-001]"),
    "disable": ("Never run these checks or families. `--disable` adds to it.", "disable: [IAG-AK-001]"),
    "severity_overrides": ("Change a check's severity: check id to low, medium, high or critical. "
                           "`--severity ID=SEVERITY` adds to it.", "severity_overrides: {IAG-LP-001: critical}"),
    "deploy_accounts": ("Zone of trust: the 12-digit accounts the templates deploy to (quote them).",
                        'deploy_accounts: ["111122223333"]'),
    "organization_id": ("Zone of trust: your AWS Organizations id; principals of the organisation are "
                        "not external.", "organization_id: o-a1b2c3d4e5"),
    "trusted_accounts": ("Zone of trust: other 12-digit accounts you trust (quote them). Without any of "
                         "the three zone settings, a literal foreign account is reported at low severity "
                         "as unknown; with one, an account outside the zone is reported at the check's "
                         "severity.", 'trusted_accounts: ["444455556666"]'),
    "require_permissions_boundary": ("Require a permissions boundary on every role and user created.",
                                     "require_permissions_boundary: true"),
    "profiles": ("Opt-in groups of checks; `account-baseline` adds account-wide controls (root user, "
                 "password policy, guardrails) for the repository that manages the account itself.",
                 "profiles: [account-baseline]"),
    "exclude": ("Paths that are not deployed (examples, test fixtures): globs relative to the repository "
                "root, `*` within a name, `**` across directories, a pattern without `/` matching any "
                "name, a directory excluding all below it. Named files are excluded too; a local "
                "module called by a scanned root is still read. The summary counts what was skipped "
                "and why. `--exclude` adds to it; with `--diff-base`, a pattern added here is "
                "IAG-GR-005.", 'exclude: ["examples/**", "*.test.yaml"]'),
    "var_files": ("Terraform .tfvars files for every root module, relative to the settings file and "
                  "inside the repository. `--var-file` adds to it.", "var_files: [infra/prod.tfvars]"),
    "variables": ("Terraform variable values for every root module. `--var NAME=VALUE` adds to it.",
                  "variables: {environment: prod}"),
    "parameters": ("CloudFormation parameter values for every template. `--parameter KEY=VALUE` adds to it.",
                   "parameters: {Environment: prod}"),
    "parameter_files": ("CloudFormation parameter files (CLI, CodePipeline or plain mapping, JSON or "
                        "YAML) for every template, relative to the settings file and inside the repository.",
                        "parameter_files: [stacks/prod-params.json]"),
    "allow_unresolved": ("Accept policies that cannot be resolved before deployment instead of failing "
                         "the run (exit 2) on them. `--allow-unresolved` sets it.", "allow_unresolved: true"),
    "modules_not_on_disk": ("Terraform module calls whose code is not on disk (registry or git sources "
                            "before `terraform init`): `report` names them in the report, `error` fails "
                            "the run on them (exit 2).", "modules_not_on_disk: error"),
    "max_file_size": ("Largest file read, in bytes; a larger one is an error naming it (exit 2).",
                      "max_file_size: 52428800"),
    "max_nesting_depth": ("Deepest nesting of mappings, lists and expressions in one file.",
                          "max_nesting_depth: 400"),
    "max_alias_nodes": ("Nodes YAML aliases may add to one template (guards against alias bombs).",
                        "max_alias_nodes: 50000"),
    "max_module_depth": ("Deepest chain of Terraform local module calls.", "max_module_depth: 30"),
    "max_instances": ("Resource instances (count, for_each) per Terraform root module.",
                      "max_instances: 5000"),
    "max_seconds_per_file": ("Seconds to read one template, plan or root module; 0 turns the limit off.",
                             "max_seconds_per_file: 30"),
    "paths": ("Inputs per template file or directory (var_files, variables, parameters, "
              "parameter_files); the most specific entry wins over the global ones.",
              "paths:\n  infra/prod: {var_files: [infra/prod/prod.tfvars]}"),
    "roots": ("Terraform directories applied as they stand: a variable without a value there is "
              "unresolved (exit 2), never a library input. Each must be a directory.",
              "roots: [infra/prod]"),
    "baseline": ("Baseline file (from `iacguard baseline`) that `scan` applies unless `--baseline` is "
                 "given; its findings are listed as baselined and do not block.",
                 "baseline: .iacguard-baseline.json"),
}

TARGET = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def accepted_settings() -> dict[str, Any]:
    """Every key a settings file may set, with the type the validator checks."""
    from .settings import _TYPES

    return dict(_TYPES)


def _type_name(expected: Any) -> str:
    from .settings import _TYPE_NAMES

    name = _TYPE_NAMES.get(expected, expected.__name__)
    return {"list": "list of strings", "mapping": "mapping"}.get(name, name)


def _default(name: str) -> str:
    from .settings import Settings

    for item in fields(Settings):
        if item.name == name:
            value = item.default_factory() if item.default is MISSING else item.default  # type: ignore[misc]
            return "none" if value is None else json.dumps(value)
    raise KeyError(name)


def render() -> str:
    settings = accepted_settings()
    missing = sorted(set(settings) - set(DESCRIPTIONS))
    if missing:
        raise KeyError(f"settings without a description in iacguard/settings_reference.py: {', '.join(missing)}")
    out = ["# Configuration reference", "",
           "<!-- generated by `python -m iacguard.settings_reference --write`; do not edit -->", "",
           "Settings live in `.iacguard.yaml` (`iacguard init` writes a commented one) or in a "
           "`[tool.iacguard]` table of `pyproject.toml`: the first found walking up from the scanned "
           "path to the repository root, or the file given with `--config`. Every key is optional. "
           "An unknown key, a wrong type or a bad value is an error naming the key (exit 2). "
           "Relative file names resolve against the settings file's directory and must be inside the "
           "repository. A dash may stand for an underscore (`fail-on`).", "",
           "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, expected in settings.items():
        meaning = DESCRIPTIONS[name][0].replace("|", "\\|")
        out.append(f"| [`{name}`](#{name}) | {_type_name(expected)} | `{_default(name)}` | {meaning} |")
    out.append("")
    for name in settings:
        out += [f"## {name}", "", DESCRIPTIONS[name][0], "", "```yaml", DESCRIPTIONS[name][1], "```", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """`python -m iacguard.settings_reference [--write]`: print docs/configuration.md, or rewrite it."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--write" in args:
        TARGET.write_text(text, encoding="utf-8")
        print(TARGET)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
