"""Work the Terraform loader shares instead of repeating, and that sharing it changes nothing:
a file parsed once per scan however many roots call its module, and one probe per world of
switched flags answering every declaration that hangs on them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import ROOT
from iacguard.engine import load_resources
from iacguard.loaders import terraform
from iacguard.settings import Settings
from iacguard.values import to_plain

FLAGS = ROOT / "tests" / "fixtures" / "flags"

_ROLE_MODULE = '''
variable "actions" {
  type = list(string)
}

resource "aws_iam_role_policy" "this" {
  role   = "app"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }] })
}
'''


# Flags at two levels (written by the test, so the fixtures' snapshot is not concerned): module
# calls switched by the root's defaults, and resources inside them switched by the module's own
# (several hang on the same `local.create`), so that one probe per world answers several
# questions, and a module call's own count must still be read when its instance is loaded.
_NESTED_ROOT = '''
variable "enable_api" {
  type    = bool
  default = false
}

variable "enable_worker" {
  type    = bool
  default = false
}

variable "workers" {
  type    = number
  default = 0
}

module "api" {
  source = "./modules/service"
  count  = var.enable_api ? 1 : 0
  name   = "api"
}

module "worker" {
  source         = "./modules/service"
  count          = var.enable_worker && var.workers > 0 ? 1 : 0
  name           = "worker"
  attach_admin   = true
  inline_actions = ["sqs:*", "iam:PassRole"]
}

module "always" {
  source = "./modules/service"
  name   = "always"
}
'''

_NESTED_MODULE = '''
variable "name" {
  type = string
}

variable "create" {
  type    = bool
  default = true
}

variable "create_role" {
  type    = bool
  default = false
}

variable "attach_admin" {
  type    = bool
  default = false
}

variable "inline_actions" {
  type    = list(string)
  default = []
}

variable "trusted_accounts" {
  type    = list(string)
  default = []
}

locals {
  create      = var.create && var.create_role
  with_inline = local.create && length(var.inline_actions) > 0
}

data "aws_iam_policy_document" "trust" {
  count = local.create ? 1 : 0
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = length(var.trusted_accounts) > 0 ? var.trusted_accounts : ["*"]
    }
  }
}

resource "aws_iam_role" "this" {
  count              = local.create ? 1 : 0
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.trust[0].json
}

resource "aws_iam_role_policy_attachment" "admin" {
  count      = local.create && var.attach_admin ? 1 : 0
  role       = aws_iam_role.this[0].name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

data "aws_iam_policy_document" "inline" {
  count = local.with_inline ? 1 : 0
  statement {
    actions   = var.inline_actions
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "inline" {
  count  = local.with_inline && length(data.aws_iam_policy_document.inline[0].json) > 0 ? 1 : 0
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.inline[0].json
}

resource "aws_iam_user" "break_glass" {
  for_each = toset(var.trusted_accounts)
  name     = "break-glass-${each.key}"
}
'''


def _loaded(directory: Path) -> list[tuple]:
    """Everything a load of the root in ``directory`` gives, in order."""
    files = sorted(p for p in directory.iterdir() if p.name.endswith(".tf"))
    result = terraform.load_module_tree(directory, files, directory)
    return [(r.address, r.type, r.mode, r.when, r.group, r.file, r.line, r.copy,
             repr(to_plain(r.properties))) for r in result.resources] + \
        [("error", e.message, e.file, e.line) for e in result.errors] + \
        [("unresolved", e.message, e.file, e.line) for e in result.unresolved]


def _policy(resource) -> dict:
    value = to_plain(resource.properties["policy"])
    return json.loads(value) if isinstance(value, str) else value


def _write_roots(tmp_path: Path, actions: dict[str, str]) -> None:
    (tmp_path / "modules" / "role").mkdir(parents=True)
    (tmp_path / "modules" / "role" / "main.tf").write_text(_ROLE_MODULE)
    for name, action in actions.items():
        (tmp_path / "examples" / name).mkdir(parents=True)
        (tmp_path / "examples" / name / "main.tf").write_text(
            f'provider "aws" {{}}\n\nmodule "role" {{\n  source  = "../../modules/role"\n'
            f'  actions = ["{action}"]\n}}\n')


def test_a_module_called_from_several_roots_is_parsed_once_per_scan(tmp_path, monkeypatch) -> None:
    _write_roots(tmp_path, {"a": "s3:GetObject", "b": "iam:*", "c": "sqs:SendMessage"})
    parsed: list[str] = []
    real_parse = terraform.parse_hcl

    def counting_parse(text: str, file: str, **kwargs):
        parsed.append(file)
        return real_parse(text, file, **kwargs)

    monkeypatch.setattr(terraform, "parse_hcl", counting_parse)
    result = load_resources([str(tmp_path)], Settings())
    # each root judged the module with its own argument
    actions = {r.group: _policy(r)["Statement"][0]["Action"]
               for r in result.resources if r.type == "aws_iam_role_policy"}
    assert actions == {"examples/a": ["s3:GetObject"], "examples/b": ["iam:*"],
                       "examples/c": ["sqs:SendMessage"]}
    assert parsed.count("modules/role/main.tf") == 1
    assert sorted(parsed) == sorted(["modules/role/main.tf", "examples/a/main.tf", "examples/b/main.tf",
                                     "examples/c/main.tf"])
    assert terraform._PARSED == {}  # forgotten once the scan's loading ended


def test_a_file_changed_between_loads_is_parsed_again(tmp_path) -> None:
    _write_roots(tmp_path, {"a": "s3:GetObject"})
    root = tmp_path / "examples" / "a"
    try:
        first = terraform.load_module_tree(root, [root / "main.tf"], tmp_path)
        (tmp_path / "modules" / "role" / "main.tf").write_text(_ROLE_MODULE.replace('Resource = "*"',
                                                                                    'Resource = "arn:aws:s3:::b"'))
        second = terraform.load_module_tree(root, [root / "main.tf"], tmp_path)
    finally:
        terraform.forget_parsed_files()

    def resource_of(result) -> object:
        return next(_policy(r)["Statement"][0]["Resource"]
                    for r in result.resources if r.type == "aws_iam_role_policy")
    assert resource_of(first) == "*"
    assert resource_of(second) == "arn:aws:s3:::b"


@pytest.mark.parametrize("fixture", ["tf_root", "tf_modules", "tf_combined", "flags_nested"])
def test_one_probe_per_world_gives_what_a_probe_per_question_gives(fixture, tmp_path, monkeypatch) -> None:
    directory = tmp_path / fixture
    if fixture == "flags_nested":
        (directory / "modules" / "service").mkdir(parents=True)
        (directory / "main.tf").write_text(_NESTED_ROOT)
        (directory / "modules" / "service" / "main.tf").write_text(_NESTED_MODULE)
    else:
        shutil.copytree(FLAGS / fixture, directory)
    spawned: list[int] = []
    real_spawn = terraform._Loader.spawn

    def counting_spawn(self, overrides, root_values):
        spawned.append(1)
        return real_spawn(self, overrides, root_values)

    monkeypatch.setattr(terraform._Loader, "spawn", counting_spawn)
    shared = _loaded(directory)
    shared_spawns = len(spawned)
    spawned.clear()
    monkeypatch.setattr(terraform, "_MAX_PROBES_KEPT", 0)  # every question asked of a fresh probe
    alone = _loaded(directory)
    assert shared == alone
    assert any(row[3] for row in shared if len(row) > 4)  # some resources only exist with flags switched
    if fixture == "flags_nested":
        assert shared_spawns < len(spawned)  # probes were reused there
        whens = {row[0]: row[3] for row in shared if len(row) > 4 and row[3]}
        assert whens["module.worker[0].aws_iam_role_policy.inline[0]"] == \
            "var.enable_worker = true and var.workers = 1 and module.worker[0].var.create_role = true"
        assert whens["module.api[0].aws_iam_role_policy_attachment.admin[0]"] == \
            "var.enable_api = true and module.api[0].var.attach_admin = true and " \
            "module.api[0].var.create_role = true"
