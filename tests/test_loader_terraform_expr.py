"""Expression forms, templates, heredocs, escapes and functions of the Terraform loader."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacguard.loaders.terraform import load_module_tree
from iacguard.values import Choice, Encoded, PDict, PList, PStr, Partial, Ref, Unknown

PRELUDE = """
variable "name"    { default = "app" }
variable "n"       { default = 3 }
variable "flag"    { default = true }
variable "list"    { default = ["a", "b", "c"] }
variable "map"     { default = { x = 1, y = 2 } }
variable "nodef"   {}
"""


def load(tmp_path: Path, text: str, **kwargs):
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    return load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path, **kwargs)


def ev(tmp_path: Path, expr: str, extra: str = ""):
    """Value of ``expr`` as the attribute ``v`` of a resource."""
    result = load(tmp_path, PRELUDE + extra + f'\nresource "t_x" "r" {{\n  v = {expr}\n}}\n')
    assert not result.errors, result.errors
    (res,) = [r for r in result.resources if r.address == "t_x.r"]
    return res.properties.get("v")  # an argument set to null is not set


@pytest.mark.parametrize("expr,expected", [
    ('"plain"', "plain"),
    ("42", 42),
    ("1.5", 1.5),
    ("1.5e3", 1500),
    ("1e3", 1000),  # tree-sitter-hcl wants a fraction before an exponent; HCL does not
    ("2E-2", 0.02),
    ("true", True),
    ("null", None),
    ("-7", -7),
    ('"tab\\there\\nnew \\"q\\" back\\\\slash"', 'tab\there\nnew "q" back\\slash'),
    ('"\\u00e9\\U0001F600"', "é\U0001F600"),
    ('"$${aws:username} %%{x}"', "${aws:username} %{x}"),
    ('"a-${var.name}-${var.n}-${var.flag}"', "a-app-3-true"),
    ('"${var.n}"', 3),  # a lone interpolation keeps its type
    ('"x ${var.name ~}   y"', "x appy"),
    ('"x   ${~ var.name} y"', "xapp y"),
    ('"%{ if var.flag }yes%{ else }no%{ endif }"', "yes"),
    ('"%{ if !var.flag }yes%{ else }no%{ endif }"', "no"),
    ('"%{ for i, x in var.list }${i}${x},%{ endfor }"', "0a,1b,2c,"),
    ('"[%{ for x in var.list ~}\n  ${x}\n%{~ endfor }]"', "[abc]"),
])
def test_literals_and_templates(tmp_path, expr, expected):
    value = ev(tmp_path, expr)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("expr,expected", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("7 / 2", 3.5), ("8 / 2", 4), ("7 % 3", 1),
    ("var.n - 5", -2), ("-var.n", -3), ("1 < 2", True), ("2 <= 1", False), ("3 >= 3", True),
    ("4 > 5", False), ('"a" == "a"', True), ('1 == "1"', False), ("[1, 2] == [1, 2]", True),
    ("var.map == { x = 1, y = 2 }", True), ("true && false", False), ("false || true", True),
    ("!true", False), ('var.flag ? "on" : "off"', "on"), ('var.n > 5 ? "big" : "small"', "small"),
    ("var.list[1]", "b"), ("var.map.x", 1), ('var.map["y"]', 2), ("var.list.0", "a"),
    ('[for x in var.list : upper(x)]', ["A", "B", "C"]),
    ('[for i, x in var.list : "${i}${x}" if x != "b"]', ["0a", "2c"]),
    ('{ for k, v in var.map : k => v * 10 }', {"x": 10, "y": 20}),
    ('{ for x in ["a", "b", "a"] : x => x... }', {"a": ["a", "a"], "b": ["b"]}),
    ('[{ a = 1 }, { a = 2 }][*].a', [1, 2]),
    ('[{ a = 1 }, { a = 2 }].*.a', [1, 2]),
    ('{ a = 1 }[*].a', [1]),
    ('{ "k:x" = 1, (var.name) = 2, bare = 3 }', {"k:x": 1, "app": 2, "bare": 3}),
])
def test_operators_and_collections(tmp_path, expr, expected):
    assert ev(tmp_path, expr) == expected


@pytest.mark.parametrize("expr,expected", [
    ('format("%s-%03d-%.2f-%t-%q-%%", "a", 7, 1.5, true, "x")', 'a-007-1.50-true-"x"-%'),
    ('formatlist("%s=%s", ["a", "b"], "v")', ["a=v", "b=v"]),
    ('join("-", ["a", "b"], ["c"])', "a-b-c"),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
    ('merge({ a = 1, b = 1 }, { b = 2 })', {"a": 1, "b": 2}),
    ('lookup(var.map, "x", 0)', 1), ('lookup(var.map, "z", 0)', 0),
    ('element(var.list, 4)', "b"), ('index(var.list, "c")', 2),
    ('flatten([["a", ["b"]], "c"])', ["a", "b", "c"]),
    ('distinct(["a", "b", "a"])', ["a", "b"]),
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    ('coalesce("", null, "x")', "x"), ('coalescelist([], ["a"])', ["a"]),
    ('contains(var.list, "b")', True), ('contains(var.list, "z")', False),
    ("keys({ b = 1, a = 2 })", ["a", "b"]), ("values({ b = 1, a = 2 })", [2, 1]),
    ("length(var.list)", 3), ('length("héllo")', 5), ("length(var.map)", 2),
    ('lower("AbC")', "abc"), ('upper("AbC")', "ABC"), ('title("hello big-world")', "Hello Big-World"),
    ('replace("a-b-c", "-", "_")', "a_b_c"), ('replace("a1b22", "/([0-9]+)/", "<$1>")', "a<1>b<22>"),
    ('substr("abcdef", 1, 3)', "bcd"), ('substr("abcdef", -2, -1)', "ef"),
    ('trimspace("  x \\n")', "x"), ('trim("--x--", "-")', "x"),
    ('trimprefix("arn:aws", "arn:")', "aws"), ('trimsuffix("a.json", ".json")', "a"),
    ('startswith("arn:aws", "arn:")', True), ('endswith("arn:aws", "gcp")', False),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ("range(3)", [0, 1, 2]), ("range(1, 7, 2)", [1, 3, 5]),
    ('tolist(["a"])', ["a"]), ('toset(["b", "a", "b"])', ["a", "b"]), ("tomap({ a = 1 })", {"a": 1}),
    ("tostring(5)", "5"), ('tonumber("5")', 5), ('tobool("true")', True),
    ('try(var.map.missing, "fallback")', "fallback"), ("try(var.map.x, 0)", 1),
    ("can(var.map.missing)", False), ("can(var.map.x)", True),
    ('one(["a"])', "a"), ("one([])", None),
    ("min(3, 1, 2)", 1), ("max(var.list...)" if False else "max(3, 1, 2)", 3),
    ("max([4, 9]...)", 9), ("abs(-4)", 4),
    ('base64encode("hi")', "aGk="), ('base64decode("aGk=")', "hi"),
    ('jsondecode("{\\"a\\": [1, 2]}")', {"a": [1, 2]}),
    ('jsonencode({ a = [1, "x"] })', '{"a": [1, "x"]}'),
    ('terraform.workspace', "default"),
])
def test_functions(tmp_path, expr, expected):
    assert ev(tmp_path, expr) == expected


def test_unknowns_and_choices(tmp_path):
    assert ev(tmp_path, "var.nodef") == Unknown("var.nodef")
    value = ev(tmp_path, "var.nodef")
    assert value.reason == "variable without default"
    # an Unknown argument makes a call Unknown; unsupported functions are Unknown too
    assert ev(tmp_path, 'upper(var.nodef)') == Unknown("upper(var.nodef)")
    assert ev(tmp_path, 'sha256("x")') == Unknown('sha256("x")')
    # undecidable condition -> Choice with both branches
    choice = ev(tmp_path, 'var.nodef ? "a" : "b"')
    assert isinstance(choice, Choice) and choice.options == ("a", "b")
    # template with an unknown part keeps the expression text
    partial = ev(tmp_path, '"pre-${var.nodef}-post"')
    assert partial == Partial(["pre-", Unknown("var.nodef"), "-post"]) and partial.text == "pre-${var.nodef}-post"
    assert ev(tmp_path, '"%{ if var.nodef }a%{ endif }"').text == "%{ if var.nodef }a%{ endif }"
    assert ev(tmp_path, "[for x in var.nodef : x]") == Unknown("[for x in var.nodef : x]")


def test_positions_of_objects_and_tuples(tmp_path):
    value = ev(tmp_path, '{\n    a = [\n      1\n    ]\n  }')
    assert isinstance(value, PDict) and value.line == 10
    assert isinstance(value["a"], PList) and value["a"].line == 11


def test_jsonencode_keeps_lines_and_refs(tmp_path):
    extra = 'resource "aws_s3_bucket" "b" {}\n'
    value = ev(tmp_path, textwrap.dedent("""\
        jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect   = "Allow"
                Resource = aws_s3_bucket.b.arn
              },
            ]
          })"""), extra)
    assert isinstance(value, Encoded)
    statement = value.value["Statement"][0]
    assert statement.line == 14 and statement["Resource"] == Ref("aws_s3_bucket.b", "arn")


HEREDOC_JSON = '''
resource "t_x" "r" {
  plain = <<EOF
{"Version": "2012-10-17",
  "Statement": []}
EOF
  flush = <<-EOT
    line1
      indented ${var.name}

    last
    EOT
  empty = <<EOF
EOF
  escapes = <<EOF
no \\n escape $${literal} %%{literal}
EOF
}
'''


def test_heredocs(tmp_path):
    result = load(tmp_path, PRELUDE + HEREDOC_JSON)
    assert not result.errors
    props = next(r for r in result.resources if r.address == "t_x.r").properties
    assert props["plain"] == '{"Version": "2012-10-17",\n  "Statement": []}\n'
    # heredoc JSON stays a string for the IAM parser, remembering where its content starts
    assert type(props["plain"]) is PStr
    heredoc_line = (PRELUDE + HEREDOC_JSON).splitlines().index("  plain = <<EOF") + 1
    assert props["plain"].line == heredoc_line + 1
    assert props["flush"] == "line1\n  indented app\n\nlast\n"
    assert props["empty"] == ""
    assert props["escapes"] == "no \\n escape ${literal} %{literal}\n"


def test_locals_lazy_and_cyclic(tmp_path):
    result = load(tmp_path, """
        locals {
          b = "${local.a}-b"
          a = "a"
          x = local.y
          y = local.x
        }
        resource "t_x" "r" {
          ok  = local.b
          bad = local.x
        }
    """)
    props = result.resources[0].properties
    assert props["ok"] == "a-b"
    assert isinstance(props["bad"], Unknown)
    assert any("cyclic" in e.message and e.file == "main.tf" for e in result.errors)


def test_resource_references(tmp_path):
    result = load(tmp_path, """
        resource "aws_iam_role" "app" {
          count = 2
          name  = "role-${count.index}"
        }
        resource "aws_s3_bucket" "b" {
          bucket = "my-bucket"
        }
        resource "t_x" "r" {
          arn      = aws_iam_role.app[0].arn
          keyed    = aws_iam_role.app["k"].arn
          whole    = aws_s3_bucket.b
          id       = aws_s3_bucket.b.id
          splat    = aws_iam_role.app[*].arn
          literal  = "arn:aws:s3:::${aws_s3_bucket.b.bucket}/*"
          indexed  = "${aws_iam_role.app[1].name}"
          computed = "${aws_s3_bucket.b.arn}/*"
          bare     = aws_s3_bucket.b.bucket
          missing  = aws_nothing.x.arn
        }
    """)
    props = next(r for r in result.resources if r.address == "t_x.r").properties
    assert props["arn"] == Ref("aws_iam_role.app", "arn")
    assert props["keyed"] == Ref("aws_iam_role.app", "arn")
    assert props["whole"] == Ref("aws_s3_bucket.b", None)
    assert props["id"] == Ref("aws_s3_bucket.b", "id")
    assert props["splat"] == [Ref("aws_iam_role.app", "arn")] * 2
    assert props["literal"] == "arn:aws:s3:::my-bucket/*"
    assert props["indexed"] == "role-1"
    computed = props["computed"]
    assert type(computed) is Partial and computed.text == "${aws_s3_bucket.b.arn}/*"
    assert computed.parts == (Ref("aws_s3_bucket.b", "arn"), "/*")
    assert computed.refs == (Ref("aws_s3_bucket.b", "arn"),)
    assert props["bare"] == Ref("aws_s3_bucket.b", "bucket")
    assert isinstance(props["missing"], Unknown) and not isinstance(props["missing"], Ref)


def test_data_sources_and_path(tmp_path):
    result = load(tmp_path, """
        data "aws_partition" "cur" {}
        data "aws_caller_identity" "me" {}
        data "aws_region" "r" {}
        resource "t_x" "r" {
          arn     = "arn:${data.aws_partition.cur.partition}:iam::${data.aws_caller_identity.me.account_id}:root"
          account = data.aws_caller_identity.me.account_id
          region  = data.aws_region.r.name
          module  = path.module
          root    = path.root
        }
    """)
    props = next(r for r in result.resources if r.address == "t_x.r").properties
    assert props["arn"] == Partial(["arn:aws:iam::", Unknown("data.aws_caller_identity.me.account_id"), ":root"])
    assert props["arn"].text == "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root"
    assert props["account"] == Unknown("data.aws_caller_identity.me.account_id")
    assert props["account"].reason == "deploying account"
    assert props["region"] == Unknown("data.aws_region.r.name")
    assert props["module"] == "." and props["root"] == "."
    data = [r for r in result.resources if r.mode == "data"]
    assert [d.address for d in data] == ["data.aws_partition.cur", "data.aws_caller_identity.me",
                                         "data.aws_region.r"]


def test_dynamic_blocks_in_resources(tmp_path):
    result = load(tmp_path, """
        variable "rules" { default = { a = 80, b = 443 } }
        resource "t_x" "r" {
          static { v = 0 }
          dynamic "static" {
            for_each = var.rules
            iterator = rule
            content {
              name = rule.key
              port = rule.value
            }
          }
        }
    """)
    props = next(r for r in result.resources if r.address == "t_x.r").properties
    assert props["static"] == [{"v": 0}, {"name": "a", "port": 80}, {"name": "b", "port": 443}]
    assert [b.line for b in props["static"]] == [4, 8, 8]


def test_exponent_rewrite_leaves_strings_heredocs_and_comments_alone(tmp_path):
    result = load(tmp_path, """
        # 1e3 in a comment
        resource "t_x" "r" {
          a = 5e2 /* 7e7 */
          b = "3e4"
          c = <<EOF
        6e6 and 1e3
        EOF
          d = 1e3 // 2e2
        }
        """)
    assert not result.errors, result.errors
    (res,) = result.resources
    assert (res.properties["a"], res.properties["b"], res.properties["c"], res.properties["d"]) == \
        (500, "3e4", "6e6 and 1e3\n", 1000)


@pytest.mark.parametrize("number", ["0x10", "1" * 5000, "1" + "0" * 400 + ".5"])
def test_numbers_hcl_does_not_allow_are_errors_with_a_line(tmp_path, number):
    result = load(tmp_path, f'resource "t_x" "r" {{\n  a = 1\n  v = {number}\n}}\n')
    assert [(e.file, e.line) for e in result.errors] == [("main.tf", 3)]
    assert "invalid number" in result.errors[0].message


@pytest.mark.parametrize("expr, text", [
    # a hole names what is really unknown when that is a plain reference
    ('"arn:aws:iam::${local.me}:root"', "arn:aws:iam::${data.aws_caller_identity.c.account_id}:root"),
    ('format("arn:aws:iam::%s:root", data.aws_caller_identity.c.account_id)',
     "arn:aws:iam::${data.aws_caller_identity.c.account_id}:root"),
    ('format("%s/%d-%v", var.nodef, 3, "x")', "${var.nodef}/3-x"),
    # anything else stays the expression as written
    ('format("%05d", var.nodef)', 'format("%05d", var.nodef)'),
    ('"a-${var.nodef == "" ? "x" : var.nodef}"', 'a-${var.nodef == "" ? "x" : var.nodef}'),
])
def test_unknown_parts_keep_what_is_known(tmp_path, expr, text):
    value = ev(tmp_path, expr, extra='data "aws_caller_identity" "c" {}\nlocals {\n  me = data.aws_caller_identity.c.account_id\n}\n')
    assert isinstance(value, Unknown) and value.text == text


def test_try_returns_the_first_argument_without_an_error_even_when_unknown(tmp_path):
    """An unknown value is not an error: try(data.x[0].account_id, "") is that account id at
    apply time, never "" (terraform-aws-modules write it everywhere)."""
    value = ev(tmp_path, 'try(data.aws_caller_identity.c[0].account_id, "")',
               extra='data "aws_caller_identity" "c" {\n  count = 1\n}\n')
    assert isinstance(value, Unknown) and value.text == "data.aws_caller_identity.c.account_id"
    assert ev(tmp_path, 'try(var.map["missing"], "fallback")') == "fallback"  # an error: next argument
    assert isinstance(ev(tmp_path, 'try(var.nodef, "fallback")'), Unknown)


def test_replace_of_a_placeholder_with_an_unknown_reference_keeps_the_text(tmp_path):
    value = ev(tmp_path, 'replace("arn=_ARN_/*", "_ARN_", aws_s3_bucket.b.arn)',
               extra='resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    assert isinstance(value, Unknown) and value.text == "arn=${aws_s3_bucket.b.arn}/*"
    assert ev(tmp_path, 'replace("no placeholder", "_ARN_", var.nodef)') == "no placeholder"
    regex = ev(tmp_path, 'replace("a-b", "/-/", var.nodef)')  # a regular expression: not rewritten
    assert isinstance(regex, Unknown) and regex.text.startswith("replace(")


def test_policy_built_by_replacing_a_placeholder_is_judged(tmp_path):
    from iacguard.engine import scan

    (tmp_path / "main.tf").write_text(textwrap.dedent('''
        resource "aws_s3_bucket" "b" {
          bucket = "b"
        }
        data "aws_iam_policy_document" "p" {
          statement {
            principals {
              type        = "*"
              identifiers = ["*"]
            }
            actions   = ["s3:GetObject"]
            resources = ["_S3_BUCKET_ARN_/*"]
          }
        }
        resource "aws_s3_bucket_policy" "b" {
          bucket = aws_s3_bucket.b.id
          policy = replace(data.aws_iam_policy_document.p.json, "_S3_BUCKET_ARN_", aws_s3_bucket.b.arn)
        }
    '''))
    result = scan([str(tmp_path)], root=tmp_path)
    assert not result.unresolved and not result.errors
    assert [(f.rule_id, f.resource) for f in result.findings if f.rule_id == "IAG-EXT-001"] == \
        [("IAG-EXT-001", "aws_s3_bucket_policy.b")]
