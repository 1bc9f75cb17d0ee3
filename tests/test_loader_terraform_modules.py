"""Modules, variables, count/for_each, addresses, positions, errors and file() safety."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from iacguard.errors import InputError
from iacguard.loaders.terraform import load_module_tree
from iacguard.values import Encoded, PList, Partial, Ref, Unknown

FIXTURES = Path(__file__).parent / "fixtures" / "tf"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def load_dir(module_dir: Path, scan_root: Path | None = None, **kwargs):
    files = sorted(p for p in module_dir.iterdir() if p.name.endswith((".tf", ".tf.json")))
    return load_module_tree(module_dir, files, scan_root or module_dir, **kwargs)


def by_address(result) -> dict:
    return {r.address: r for r in result.resources}


# -- the multi-file fixture ------------------------------------------------------------------


@pytest.fixture(scope="module")
def app():
    return load_dir(FIXTURES / "app", FIXTURES)


def test_app_loads_without_errors(app):
    assert app.errors == []
    assert "app/terraform.tfvars" in app.files and "app/modules/role/main.tf" in app.files


def test_app_addresses_and_base_addresses(app):
    res = by_address(app)
    role = res['module.roles["ops"].aws_iam_role.this']
    assert role.base_address == "module.roles.aws_iam_role.this"
    nested = res['module.roles["dev"].module.policy.aws_iam_policy.p']
    assert nested.base_address == "module.roles.module.policy.aws_iam_policy.p"
    assert "module.counted[0].aws_iam_role.this" in res
    assert not any(a.startswith("module.counted[1]") for a in res)  # replicas = 1
    assert not any("disabled" in a for a in res)  # count = 0 module
    assert not any("skipped" in a for a in res)  # count = 0 resource
    for r in app.resources:
        assert r.source == "terraform" and r.group == "app"


def test_app_variable_precedence_and_module_inputs(app):
    res = by_address(app)
    # terraform.tfvars overrides the default; z.auto.tfvars sets the teams
    assert res["aws_iam_role.admin"].properties["name"] == "from-tfvars-svc-admin"
    assert res['module.roles["dev"].aws_iam_role.this'].properties["name"] == "from-tfvars-svc-dev"
    assert res["module.counted[0].aws_iam_role.this"].properties["name"] == "counted-0"
    # a Ref passed into a module keeps pointing at the caller's resource
    trust = res['module.roles["ops"].aws_iam_role.this'].properties["assume_role_policy"]
    assert isinstance(trust, Encoded)
    assert trust.value["Statement"][0]["Principal"]["AWS"] == Ref("aws_iam_role.admin", "arn")
    # the module default applies when the caller passes nothing
    counted = res["module.counted[0].aws_iam_role.this"].properties["assume_role_policy"]
    assert counted.value["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::111122223333:root"


def test_app_module_outputs(app):
    res = by_address(app)
    attachment = res["aws_iam_role_policy_attachment.ops"].properties
    assert attachment["role"] == Ref("module.roles.aws_iam_role.this", "name")
    assert attachment["policy_arn"] == Ref("module.roles.module.policy.aws_iam_policy.p", "arn")
    arns = res["output.role_arns"].properties["value"]
    assert arns == [Ref("module.roles.aws_iam_role.this", "arn")] * 2


def test_app_positions_nested_blocks_and_comments(app):
    res = by_address(app)
    admin = res["aws_iam_role.admin"]
    assert (admin.file, admin.line, admin.end_line) == ("app/iam.tf", 1, 11)
    assert admin.metadata == {"comments": [(2, "# iacguard:ignore IAM001")]}
    role = res['module.roles["ops"].aws_iam_role.this']
    assert (role.file, role.line, role.end_line) == ("app/modules/role/main.tf", 6, 24)
    inline = role.properties["inline_policy"]
    assert isinstance(inline, PList) and len(inline) == 1 and inline[0].line == 17
    assert inline[0]["name"] == "inline"


def test_app_file_policy_stays_a_string(app):
    policy = by_address(app)['module.roles["ops"].module.policy.aws_iam_policy.p'].properties["policy"]
    assert type(policy) is str and '"s3:GetObject"' in policy


def test_app_variables_and_outputs_as_resources(app):
    res = by_address(app)
    env = res["var.env"]
    assert (env.mode, env.type, env.line, env.end_line) == ("variable", "variable", 2, 5)
    assert env.properties == {"type": "string", "default": "default-env"}
    out = res['module.roles["ops"].output.role_arn']
    assert out.mode == "output" and out.base_address == "module.roles.output.role_arn"


# -- variables precedence ----------------------------------------------------------------------


PRECEDENCE = {
    "main.tf": """
        variable "a" { default = "default" }
        variable "b" { default = "default" }
        variable "c" { default = "default" }
        variable "d" { default = "default" }
        variable "e" { default = "default" }
        variable "f" { default = "default" }
        variable "obj" {
          type    = map(string)
          default = {}
        }
        variable "num" { type = number }
        resource "t_x" "r" {
          a = var.a
          b = var.b
          c = var.c
          d = var.d
          e = var.e
          f = var.f
          obj = var.obj
          num = var.num
        }
    """,
    "terraform.tfvars": 'b = "tfvars"\nc = "tfvars"\nd = "tfvars"\ne = "tfvars"\nf = "tfvars"\n',
    "terraform.tfvars.json": '{"c": "tfvars.json", "d": "tfvars.json", "e": "tfvars.json", "f": "tfvars.json"}',
    "a.auto.tfvars": 'd = "a.auto"\ne = "a.auto"\nf = "a.auto"\n',
    "b.auto.tfvars.json": '{"e": "b.auto.json", "f": "b.auto.json"}',
    "extra.tfvars": 'f = "var-file"\n',
}


def test_variable_precedence(tmp_path):
    write(tmp_path, PRECEDENCE)
    result = load_dir(tmp_path, var_files=[tmp_path / "extra.tfvars"],
                      variables={"a": "cli", "obj": '{ k = "v" }', "num": "5"})
    assert result.errors == []
    props = by_address(result)["t_x.r"].properties
    assert props["a"] == "cli"
    assert props["b"] == "tfvars"
    assert props["c"] == "tfvars.json"
    assert props["d"] == "a.auto"
    assert props["e"] == "b.auto.json"
    assert props["f"] == "var-file"
    assert props["obj"] == {"k": "v"}  # complex-typed --var values are parsed as HCL
    assert props["num"] == 5


def test_cli_string_variable_is_not_parsed(tmp_path):
    write(tmp_path, {"main.tf": 'variable "s" {}\nresource "t_x" "r" { v = var.s }\n'})
    result = load_dir(tmp_path, variables={"s": '["not", "a", "list"]'})
    assert by_address(result)["t_x.r"].properties["v"] == '["not", "a", "list"]'


# -- count / for_each ---------------------------------------------------------------------------


def test_count_and_for_each_instances(tmp_path):
    write(tmp_path, {"main.tf": """
        variable "unknown" {}
        resource "aws_iam_user" "counted" {
          count = 2
          name  = "user-${count.index}"
        }
        resource "aws_iam_user" "mapped" {
          for_each = { alice = "admin", bob = "dev" }
          name     = "${each.key}-${each.value}"
        }
        resource "aws_iam_user" "set" {
          for_each = toset(["b", "a"])
          name     = each.value
        }
        resource "aws_iam_user" "maybe" {
          count = var.unknown ? 1 : 0
          name  = "maybe-${count.index}"
        }
        resource "aws_iam_user" "each_unknown" {
          for_each = var.unknown
          name     = each.key
        }
        resource "aws_iam_user" "none" {
          for_each = {}
          name     = "x"
        }
    """})
    result = load_dir(tmp_path)
    assert result.errors == []
    res = by_address(result)
    assert res["aws_iam_user.counted[1]"].properties["name"] == "user-1"
    assert res["aws_iam_user.counted[1]"].base_address == "aws_iam_user.counted"
    assert res['aws_iam_user.mapped["bob"]'].properties["name"] == "bob-dev"
    assert [a for a in res if a.startswith("aws_iam_user.set")] == \
        ['aws_iam_user.set["a"]', 'aws_iam_user.set["b"]']
    maybe = res["aws_iam_user.maybe"]  # unknown count: one instance at the base address
    assert maybe.properties["name"] == Partial(["maybe-", Unknown("count.index")])
    assert res["aws_iam_user.each_unknown"].properties["name"] == Unknown("each.key")
    assert not any(a.startswith("aws_iam_user.none") for a in res)


def test_max_instances(tmp_path):
    write(tmp_path, {"main.tf": """
        resource "t_x" "many" {
          count = 50
        }
        resource "t_x" "huge" {
          count = 100000
        }
    """})
    result = load_dir(tmp_path, max_instances=20)
    assert len(result.resources) == 20
    assert any("100000" in e.message for e in result.errors)
    assert any("more than 20 resource instances" in e.message for e in result.errors)


# -- errors -------------------------------------------------------------------------------------


def test_syntax_error_reports_line_and_keeps_other_files(tmp_path):
    write(tmp_path, {
        "bad.tf": 'resource "t_x" "a" {\n  name = "ok"\n  policy = \n}\n',
        "good.tf": 'resource "t_x" "b" {\n  name = "fine"\n}\n',
    })
    result = load_dir(tmp_path)
    assert [r.address for r in result.resources] == ["t_x.b"]
    (error,) = result.errors
    assert isinstance(error, InputError) and error.file == "bad.tf" and error.line == 3


def test_invalid_tf_json(tmp_path):
    write(tmp_path, {"main.tf.json": '{"resource": {\n  "t_x": \n}'})
    result = load_dir(tmp_path)
    assert result.resources == []
    assert result.errors[0].file == "main.tf.json" and result.errors[0].line == 3


def test_unreadable_file(tmp_path):
    write(tmp_path, {"main.tf": 'resource "t_x" "r" {}\n'})
    missing = tmp_path / "gone.tf"
    result = load_module_tree(tmp_path, [tmp_path / "main.tf", missing], tmp_path)
    assert [r.address for r in result.resources] == ["t_x.r"]
    assert result.errors[0].file == "gone.tf"


def test_module_cycle_and_depth(tmp_path):
    write(tmp_path, {
        "main.tf": 'module "a" {\n  source = "./a"\n}\n',
        "a/main.tf": 'module "b" {\n  source = "../b"\n}\nresource "t_x" "a" {}\n',
        "b/main.tf": 'module "a" {\n  source = "../a"\n}\nresource "t_x" "b" {}\n',
    })
    result = load_dir(tmp_path)
    assert {r.address for r in result.resources} == {"module.a.t_x.a", "module.a.module.b.t_x.b"}
    (error,) = result.errors
    assert "cycle" in error.message and error.file == "b/main.tf" and error.line == 2

    deep = load_dir(tmp_path, max_module_depth=1)
    assert any("deeper than 1" in e.message for e in deep.errors)


def test_module_source_missing_or_escaping(tmp_path):
    root = tmp_path / "root"
    write(tmp_path, {
        "outside/main.tf": 'resource "t_x" "secret" {}\n',
        "root/main.tf": """
            module "missing" {
              source = "./nope"
            }
            module "escape" {
              source = "../outside"
            }
            module "registry" {
              source = "terraform-aws-modules/iam/aws"
            }
            resource "t_x" "r" {
              v = module.registry.anything
            }
        """,
    })
    result = load_dir(root, root)
    # outside the repository (here the scan root): an error; code not on disk: named, not an error
    assert [(e.message, e.file, e.line) for e in result.errors] == [
        ("module source path escapes the repository: ../outside", "main.tf", 6)]
    assert [(n.message, n.file, n.line) for n in result.not_analysed] == [
        ("module.missing (./nope) not analysed: its source directory does not exist", "main.tf", 3),
        ("module.registry (terraform-aws-modules/iam/aws) not analysed: run terraform init or scan a plan",
         "main.tf", 9)]
    props = by_address(result)["t_x.r"].properties
    assert isinstance(props["v"], Unknown)
    assert not any("secret" in r.address for r in result.resources)


def test_root_in_subdirectory_group_and_paths(tmp_path):
    write(tmp_path, {"envs/prod/main.tf": 'resource "t_x" "r" {\n  m = path.module\n}\n'})
    result = load_dir(tmp_path / "envs" / "prod", tmp_path)
    (res,) = result.resources
    assert (res.group, res.file, res.properties["m"]) == ("envs/prod", "envs/prod/main.tf", ".")


# -- file() safety ------------------------------------------------------------------------------


def test_file_reads_inside_root(tmp_path):
    write(tmp_path, {
        "main.tf": 'resource "t_x" "r" {\n  p = file("${path.module}/p.json")\n  t = templatefile("t.tpl", { name = "x", items = ["a", "b"] })\n  e = fileexists("p.json")\n  n = fileexists("nope")\n}\n',
        "p.json": '{"a": 1}',
        "t.tpl": "hello ${name}%{ for i in items }-${i}%{ endfor }",
    })
    result = load_dir(tmp_path)
    assert result.errors == []
    props = result.resources[0].properties
    assert props == {"p": '{"a": 1}', "t": "hello x-a-b", "e": True, "n": False}


@pytest.mark.parametrize("setup,arg", [
    ("outside", '"../outside.txt"'),
    ("absolute", '"/etc/passwd"'),
    ("devzero", '"/dev/zero"'),
    ("symlink", '"link.txt"'),
    ("fifo", '"pipe"'),
    ("directory", '"subdir"'),
    ("big", '"big.txt"'),
])
def test_file_refuses_unsafe_paths(tmp_path, setup, arg):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("secret")
    if setup == "symlink":
        os.symlink(tmp_path / "outside.txt", root / "link.txt")
    elif setup == "fifo":
        os.mkfifo(root / "pipe")  # reading it would block forever
    elif setup == "directory":
        (root / "subdir").mkdir()
    elif setup == "big":
        (root / "big.txt").write_bytes(b"x" * (5 * 1024 * 1024 + 1))
    (root / "main.tf").write_text(
        f'resource "t_x" "r" {{\n  a = file({arg})\n  b = templatefile({arg}, {{}})\n'
        f'  c = filebase64({arg})\n}}\n')
    result = load_dir(root)
    props = result.resources[0].properties
    for key in ("a", "b", "c"):
        assert isinstance(props[key], Unknown)
        assert "secret" not in str(props[key])
    assert result.errors
    for error in result.errors:
        assert error.file == "main.tf" and error.line in (2, 3, 4)
    if setup in ("outside", "absolute", "symlink"):
        assert "path escapes the scan root" in result.errors[0].message


def test_tf_json_module(tmp_path):
    result = load_dir(FIXTURES / "json_syntax", FIXTURES)
    assert result.errors == []
    res = by_address(result)
    assert res["aws_iam_role.r[1]"].properties["name"] == "json-role-x"
    assert res["aws_iam_role.r[0]"].line == 10 and res["aws_iam_role.r[0]"].end_line == 15
    assert res["aws_iam_role_policy.p"].properties["role"] == "json-role-x"
    assert isinstance(res["aws_iam_role_policy.p"].properties["policy"], Encoded)
    assert res["var.raw"].properties["default"] == "${not-a-template}"
    assert res["provider.aws.us"].properties["region"] == "us-east-1"
    assert "provider.aws" in res
    doc = res["data.aws_iam_policy_document.d"].properties["json"]
    assert doc.value["Statement"][0]["Sid"] == "A"


def test_providers(tmp_path):
    write(tmp_path, {
        "main.tf": 'provider "aws" {\n  region = "eu-west-1"\n  assume_role {\n    role_arn = "arn:x"\n  }\n}\n'
                   'provider "aws" {\n  alias = "use1"\n}\nmodule "m" {\n  source = "./m"\n}\n',
        "m/main.tf": 'provider "aws" {}\n',
    })
    result = load_dir(tmp_path)
    res = by_address(result)
    assert set(res) == {"provider.aws", "provider.aws.use1", "module.m.provider.aws"}
    assert res["provider.aws"].properties["assume_role"] == [{"role_arn": "arn:x"}]
    assert res["provider.aws"].type == "provider" and res["provider.aws"].mode == "provider"


def test_module_outputs_with_count_and_splat(tmp_path):
    write(tmp_path, {
        "main.tf": """
            module "m" {
              source = "./m"
              count  = 2
              idx    = count.index
            }
            module "single" {
              source = "./m"
              idx    = 9
            }
            resource "t_x" "r" {
              first  = module.m[0].label
              all    = module.m[*].label
              single = module.single.label
              ref    = module.single.role
            }
        """,
        "m/main.tf": """
            variable "idx" {}
            resource "aws_iam_role" "r" { name = "r${var.idx}" }
            output "label" { value = "label-${var.idx}" }
            output "role" { value = aws_iam_role.r.arn }
        """,
    })
    result = load_dir(tmp_path)
    assert result.errors == []
    props = by_address(result)["t_x.r"].properties
    assert props["first"] == "label-0"
    assert props["all"] == ["label-0", "label-1"]
    assert props["single"] == "label-9"
    assert props["ref"] == Ref("module.single.aws_iam_role.r", "arn")


# -- robustness ---------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_FRAGMENTS = ["${", "}", '"', "[*]", "...", "%{ if x }", "(", "count.index", "each.value",
              "var.x", "module.m.o", "local.a", "-", "<<EOF\n", "\\u12", "~", "{", "=", "\n"]
_SEED_TEXT = (FIXTURES / "policy_doc" / "main.tf").read_text()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(_SEED_TEXT)), st.integers(0, 30),
                          st.sampled_from(_FRAGMENTS)), max_size=4), st.booleans())
def test_mangled_input_never_raises(tmp_path, edits, as_json):
    text = _SEED_TEXT
    for pos, cut, fragment in edits:
        text = text[:pos] + fragment + text[pos + cut:]
    name = "main.tf.json" if as_json else "main.tf"
    for old in tmp_path.glob("main.tf*"):
        old.unlink()
    (tmp_path / name).write_text(text)
    result = load_module_tree(tmp_path, [tmp_path / name], tmp_path)
    for error in result.errors:
        assert isinstance(error, InputError)
    for resource in result.resources:
        repr(resource.properties)
