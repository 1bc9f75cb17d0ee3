"""Terraform as modules write it: equality with partly unknown values, variable type
constraints (optional() attributes and their defaults), null and empty arguments, one()/splats
over a count that is not known, coalesce/try/lookup, sensitive(), AWS managed policy lookups and
data sources that only look something up. Fixtures: tests/fixtures/tf/language/."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacguard.loaders.terraform import load_module_tree
from iacguard.values import Choice, Unknown
from tests.helpers import ROOT, scan_json, triples

FIXTURES = ROOT / "tests" / "fixtures" / "tf" / "language"


def load(tmp_path: Path, text: str, **kwargs):
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    return load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path, **kwargs)


def value_of(result, name: str = "v"):
    (res,) = [r for r in result.resources if r.address == "t_x.r"]
    return res.properties.get(name)


def ev(tmp_path: Path, expr: str, extra: str = ""):
    result = load(tmp_path, extra + f'\nvariable "nodef" {{}}\nresource "t_x" "r" {{\n  v = {expr}\n}}\n')
    assert not result.errors, result.errors
    return value_of(result)


# -- equality decided by the known parts ------------------------------------------------------


@pytest.mark.parametrize("expr,expected", [
    ('{ a = var.nodef } != null', True),
    ('{ a = var.nodef } == null', False),
    ('[var.nodef] != null', True),
    ('null == [var.nodef]', False),
    ('{ a = var.nodef } == { a = 1, b = 2 }', False),  # different keys
    ('[var.nodef] == [1, 2]', False),  # different lengths
    ('[var.nodef, 1] == [var.nodef, 2]', False),  # a known element differs
    ('{ a = var.nodef } == [var.nodef]', False),  # an object is never a list
    ('"1" == 1', False),
    ('{ a = [1, "x"], b = var.nodef } != { a = [1, "y"], b = var.nodef }', True),
    ('(var.nodef ? "a" : "b") == "c"', False),  # no alternative equals it
    ('(var.nodef ? "a" : "b") != "c"', True),
])
def test_equality_is_decided_by_the_known_parts(tmp_path, expr, expected):
    value = ev(tmp_path, expr)
    assert value is expected


@pytest.mark.parametrize("expr", [
    'var.nodef == null',
    '[var.nodef] == [1]',
    '{ a = var.nodef } == { a = "x" }',
    '(var.nodef ? "a" : "b") == "a"',
])
def test_equality_that_depends_on_an_unknown_stays_unknown(tmp_path, expr):
    assert isinstance(ev(tmp_path, expr), Unknown)


# -- variable type constraints ------------------------------------------------------------------

STATEMENT_TYPE = """object({
    sid       = optional(string)
    actions   = optional(list(string))
    effect    = optional(string, "Allow")
    port      = optional(number, 443)
    tags      = optional(set(string), [])
    options   = optional(object({
      enabled = optional(bool, true)
      level   = optional(string)
    }), {})
    required  = string
  })"""


@pytest.mark.parametrize("type_,given,expected", [
    # optional attributes: null without a default, the default with one, at any depth
    (STATEMENT_TYPE, '{ required = "r" }',
     {"sid": None, "actions": None, "effect": "Allow", "port": 443, "tags": [],
      "options": {"enabled": True, "level": None}, "required": "r"}),
    (STATEMENT_TYPE, '{ required = "r", effect = null, options = { level = "x" } }',
     {"sid": None, "actions": None, "effect": "Allow", "port": 443, "tags": [],
      "options": {"enabled": True, "level": "x"}, "required": "r"}),
    # attributes the type does not declare are dropped; numbers and bools become strings
    (STATEMENT_TYPE, '{ required = 5, extra = "dropped", actions = ["s3:GetObject", true], port = "8080", tags = ["b", "a", "b"] }',
     {"sid": None, "actions": ["s3:GetObject", "true"], "effect": "Allow", "port": 8080, "tags": ["a", "b"],
      "options": {"enabled": True, "level": None}, "required": "5"}),
    (f"map({STATEMENT_TYPE})", '{ one = { required = "r", sid = "S" } }',
     {"one": {"sid": "S", "actions": None, "effect": "Allow", "port": 443, "tags": [],
              "options": {"enabled": True, "level": None}, "required": "r"}}),
    (f"list({STATEMENT_TYPE})", '[{ required = "r" }]',
     [{"sid": None, "actions": None, "effect": "Allow", "port": 443, "tags": [],
       "options": {"enabled": True, "level": None}, "required": "r"}]),
    ("set(number)", "[3, 1, 3, 2]", [1, 2, 3]),
    ("tuple([string, number, bool])", '[1, "2", "true"]', ["1", 2, True]),
    ("map(string)", "{ a = 1, b = false }", {"a": "1", "b": "false"}),
    ("list(any)", '[1, "a"]', [1, "a"]),
    ("any", '{ a = 1 }', {"a": 1}),
    ("object({ a = optional(string, \"d\") })", "null", None),  # a null value stays null
])
def test_values_are_converted_to_the_variable_type(tmp_path, type_, given, expected):
    text = f"""
        variable "x" {{
          type    = {type_}
          default = {given}
        }}
        resource "t_x" "r" {{
          v = var.x == null ? "null" : var.x
        }}
        """
    result = load(tmp_path, text)
    assert result.errors == []
    value = value_of(result)
    assert value == (expected if expected is not None else "null")


def test_unknown_parts_survive_the_conversion(tmp_path):
    result = load(tmp_path, """
        variable "arn" {}
        variable "x" {
          type    = map(object({ resources = optional(list(string)), effect = optional(string, "Allow") }))
          default = { a = { resources = [var.arn] } }
        }
        resource "t_x" "r" {
          v = var.x
          w = var.x.a.resources != null
        }
        """)
    assert result.errors == []
    value = value_of(result)
    assert value["a"]["effect"] == "Allow"
    assert isinstance(value["a"]["resources"][0], Unknown)
    assert value_of(result, "w") is True


def test_conversion_applies_to_callers_tfvars_and_cli_values(tmp_path):
    module = tmp_path / "modules" / "m"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(textwrap.dedent("""
        variable "x" {
          type = object({ a = optional(string, "from-type"), n = optional(number) })
        }
        resource "t_x" "r" {
          v = var.x
        }
        """))
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        variable "root" {
          type = object({ a = optional(string, "root-default"), b = optional(list(string)) })
        }
        variable "cli" {
          type = list(object({ name = string, admin = optional(bool, false) }))
        }
        module "m" {
          source = "./modules/m"
          x      = { n = "7" }
        }
        resource "t_x" "root" {
          v = var.root
          w = var.cli
        }
        """))
    (tmp_path / "terraform.tfvars").write_text('root = { b = ["x", 1] }\n')
    result = load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path,
                              variables={"cli": '[{ name = "a" }]'})
    assert result.errors == []
    by_address = {r.address: r for r in result.resources}
    assert by_address["module.m.t_x.r"].properties["v"] == {"a": "from-type", "n": 7}
    assert by_address["t_x.root"].properties["v"] == {"a": "root-default", "b": ["x", "1"]}
    assert by_address["t_x.root"].properties["w"] == [{"name": "a", "admin": False}]


def test_a_value_terraform_would_refuse_is_an_error_where_it_is_given(tmp_path):
    module = tmp_path / "modules" / "m"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(textwrap.dedent("""
        variable "statements" {
          type = map(object({ actions = list(string), effect = optional(string, "Allow") }))
        }
        variable "port" {
          type    = number
          default = "https"
        }
        resource "t_x" "r" {
          v = var.statements
          w = var.port
        }
        """))
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        module "m" {
          source = "./modules/m"

          statements = {
            read = { effect = "Deny" }
          }
        }
        """))
    result = load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path)
    errors = sorted((e.file, e.line, e.message) for e in result.errors)
    assert errors == [
        ("main.tf", 5,
         'var.statements: the value does not match the variable\'s type map(object({ actions = list(string), '
         'effect = optional(string, "Allow") })): ["read"]: attribute "actions" is required'),
        ("modules/m/main.tf", 7,
         'var.port: the value does not match the variable\'s type number: a number is required, not "https"'),
    ]
    (res,) = [r for r in result.resources if r.address == "module.m.t_x.r"]
    assert isinstance(res.properties["v"], Unknown) and isinstance(res.properties["w"], Unknown)


# -- choices through functions, splats and for expressions ----------------------------------------


def test_splat_over_an_unknown_count_is_none_or_instances_like_this_one(tmp_path):
    result = load(tmp_path, """
        variable "create" {}
        variable "policy" { default = null }
        resource "t_x" "this" {
          count = var.create ? 1 : 0
          name  = "n"
        }
        resource "t_x" "r" {
          v = one(t_x.this[*].name)
          w = coalesce(var.policy, one(t_x.this.*.name))
          u = length([for x in t_x.this : x])
          s = try(t_x.this[*].missing[0], "fallback")
        }
        """)
    assert result.errors == []
    v = value_of(result)
    assert isinstance(v, Choice) and v.options[0] is None
    assert [o.text for o in v.options[1:]] == ["t_x.this.name"]
    # the count = 0 alternative fails coalesce() (Terraform would refuse it): one alternative left
    assert value_of(result, "w").text == "t_x.this.name"
    assert sorted(value_of(result, "u").options) == [0, 1]


def test_operators_and_for_conditions_over_alternatives(tmp_path):
    result = load(tmp_path, """
        variable "create" {}
        variable "arn" {}
        resource "t_x" "this" {
          count = var.create ? 1 : 0
        }
        resource "t_x" "r" {
          v = length(t_x.this[*].id) > 0
          w = !(length(t_x.this) == 0) && true
          u = [for x in ["a", "b", var.arn] : x if x != "b"]
          s = { for k, x in { a = 1, b = var.arn } : k => x if x != 2 }
        }
        """)
    assert result.errors == []
    assert sorted(value_of(result).options) == [False, True]
    assert sorted(value_of(result, "w").options) == [False, True]
    # an element whose condition is not known may or may not be there: both lists can exist
    lists = value_of(result, "u").options
    assert [len(x) for x in lists] == [1, 2] and lists[0] == ["a"] and lists[1][1].text == "var.arn"
    maps = value_of(result, "s").options
    assert [sorted(m) for m in maps] == [["a"], ["a", "b"]]


def test_for_conditions_that_exclude_each_other_give_none_or_one(tmp_path):
    """`if k == <one unknown>` over distinct known keys keeps at most one element, so many such
    elements are still judged (none, or each one); conditions that may hold together stay
    unknown past MAX_UNDECIDED_ELEMENTS."""
    keys = ", ".join(f'k{i} = "v{i}"' for i in range(8))
    result = load(tmp_path, f"""
        variable "region" {{}}
        locals {{
          m = {{ {keys} }}
        }}
        resource "t_x" "r" {{
          v = {{ for k, x in local.m : k => x if k == var.region }}
          w = {{ for k, x in local.m : k => x if x != var.region }}
          u = compact([var.region == "a" ? "doc" : "", "other"])
        }}
        """)
    assert result.errors == []
    options = value_of(result).options
    assert [sorted(m.items()) for m in options] == [[]] + [[(f"k{i}", f"v{i}")] for i in range(8)]
    assert not isinstance(value_of(result, "w"), Choice) and isinstance(value_of(result, "w"), Unknown)
    # a list written with alternatives in it: each list that can exist goes through compact()
    assert sorted(tuple(x) for x in value_of(result, "u").options) == [("doc", "other"), ("other",)]


def test_regional_statements_merged_from_alternatives_are_judged():
    report, proc = scan_json(".", cwd=FIXTURES / "regional_statements")
    assert report["errors"] == []
    found = triples(report)
    # one reader per region, the region known only at plan time: each reader that can exist
    assert ("IAG-EXT-001", "aws_s3_bucket_policy.reports", "main.tf", 37) in found
    accounts = sorted(f["message"].split("lets account ")[1][:12] for f in report["findings"]
                      if f["rule_id"] == "IAG-EXT-002")
    assert accounts == ["111111111111", "222222222222", "333333333333", "444444444444", "666666666666"]
    assert proc.returncode == 1


def test_try_lookup_and_coalesce(tmp_path):
    extra = """
        variable "obj" { default = { a = "x", n = null } }
        resource "t_x" "later" {}
        """
    assert ev(tmp_path, 'try(var.obj.missing, "default")', extra) == "default"
    assert isinstance(ev(tmp_path, 'try(t_x.later.arn, "default")', extra), Unknown)
    assert ev(tmp_path, 'lookup(var.obj, "missing", "d")', extra) == "d"
    assert ev(tmp_path, 'lookup(var.obj, "a", "d")', extra) == "x"
    assert ev(tmp_path, 'coalesce(var.obj.n, "", "c")', extra) == "c"
    assert ev(tmp_path, 'can(var.obj.missing)', extra) is False
    assert ev(tmp_path, 'sensitive(var.obj.a)', extra) == "x"
    assert ev(tmp_path, 'nonsensitive(sensitive(var.obj.a))', extra) == "x"
    assert ev(tmp_path, 'sensitive(t_x.later.arn)', extra).text == "t_x.later.arn"


# -- end to end -----------------------------------------------------------------------------------


def test_typed_statements_feed_dynamic_statements_of_a_module(tmp_path):
    """A map(object(optional(...))) variable, `!= null` over a value with unknown ARNs, and an
    admin statement passed by the caller: judged, with the Sid the key gave and Allow filled in."""
    report, proc = scan_json(".", cwd=FIXTURES / "typed_statements")
    assert report["errors"] == []
    assert ("IAG-LP-001", "module.worker.aws_iam_role_policy.this", "modules/policy/main.tf", 30) in triples(report)
    (admin,) = [f for f in report["findings"] if f["rule_id"] == "IAG-LP-001"]
    assert "statement everything" in admin["message"]
    assert proc.returncode == 1


def test_documents_behind_an_unknown_count_are_judged():
    report, proc = scan_json(".", cwd=FIXTURES / "count_choice")
    assert report["errors"] == []
    found = triples(report)
    assert ("IAG-LP-001", "aws_iam_policy.admin", "main.tf", 17) in found  # one(x[*].json)
    assert ("IAG-LP-002", "aws_iam_policy.ops", "main.tf", 33) in found  # coalesce(null, one(x.*.json))
    assert ("IAG-LP-001", "aws_iam_user_policy.ci", "main.tf", 55) in found  # sensitive(jsonencode(...))
    # a dynamic statement over `cond ? {...} : {}` on an unknown: the document with it is judged
    assert ("IAG-LP-001", "aws_iam_policy.support", "main.tf", 72) in found
    assert proc.returncode == 1


def test_null_and_empty_arguments_are_not_set():
    report, _ = scan_json(".", cwd=FIXTURES / "null_arguments")
    assert report["errors"] == []
    found = triples(report)
    assert ("IAG-LP-001", "aws_iam_role_policy.deployer", "main.tf", 17) in found
    (lp,) = [f for f in report["findings"] if f["rule_id"] == "IAG-LP-001"]
    assert lp["evidence"] == {"Sid": "Everything", "Effect": "Allow", "Action": ["*"], "Resource": ["*"]}
    # action = null on the event bus permission: the provider's default, events:PutEvents
    (ext,) = [f for f in report["findings"] if f["resource"].startswith("aws_cloudwatch_event_permission")]
    assert ext["evidence"]["Action"] == "events:PutEvents"


def test_lookups_create_nothing_and_managed_documents_are_judged():
    report, _ = scan_json(".", cwd=FIXTURES / "lookups")
    assert report["errors"] == []
    # no finding on the looked-up role, user or bucket (they are not created here); the copy of
    # AWSXrayWriteOnlyAccess is read from the catalogue; the copy of AdministratorAccess is admin
    assert triples(report) == {("IAG-LP-001", "aws_iam_role_policy.ops_admin", "main.tf", 32)}
