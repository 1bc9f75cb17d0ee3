"""Partly unknown is not unknown: a string with known text around values known only at apply
(a template, format(), join(), replace(), templatefile()) keeps its known text, and a JSON
policy written around such holes is judged on what is known. It is unresolved only where the
unknown decides the verdict (Effect, Action, Principal, an element name)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpers import ROOT, scan_json
from iacguard.iam.policy import parse_policy
from iacguard.loaders.terraform import load_module_tree
from iacguard.values import Origin, Partial, Ref, Unknown, decode_json_with_holes

FIXTURE = ROOT / "tests" / "fixtures" / "partial_unknowns"

ACCOUNT = Unknown("data.aws_caller_identity.current.account_id", reason="deploying account")
BUCKET = Ref("aws_s3_bucket.b", "arn")
ACTIONS = Unknown("var.actions", reason="variable without default", origins=(Origin("variable", "var.actions"),))


# -- end to end -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report():
    report, proc = scan_json(str(FIXTURE), "--fail-on", "none")
    assert proc.returncode == 2, proc.stderr  # the two Action holes are unresolved
    return report


def test_only_unknown_actions_are_unresolved(report):
    errors = sorted((e["kind"], e["file"], e["line"], e["message"]) for e in report["errors"])
    assert errors == [
        ("unresolved", "main.tf", 54, "policy of aws_iam_role_policy.actions_hole could not be resolved: "
                                      "statement 1 Action: var.extra_actions has no value: pass --var extra_actions=... or a var file"),
        ("unresolved", "main.tf", 65, "policy of aws_iam_role_policy.action_hole could not be resolved: "
                                      "statement 1 Action: var.extra_action has no value: pass --var extra_action=... or a var file"),
    ]


def test_templates_with_holes_are_judged(report):
    found = {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]}
    assert found == {
        # the administrator statement among account, partition and bucket ARN holes, reported
        # where the template is used (as a template without holes is)
        ("IAG-LP-001", "aws_iam_role_policy.admin", "main.tf", 35),
        # Principal "*" on a bucket whose ARN is known only at apply: public
        ("IAG-EXT-001", "aws_s3_bucket_policy.site", "main.tf", 77),
        # "allow" in lower case still grants another account the role
        ("IAG-EXT-002", "aws_iam_role.partner", "main.tf", 90),
        ("IAG-EXT-007", "aws_iam_role.partner", "main.tf", 90),
        # placeholders replaced one after the other: the public statement is found, the one
        # for the deploying account (its id replaced in) is not
        ("IAG-EXT-001", "aws_s3_bucket_policy.logs", "main.tf", 146),
        # unrelated to the templates: buckets without a public access block
        ("IAG-EXT-004", "aws_s3_bucket.data", "main.tf", 22),
        ("IAG-EXT-004", "aws_s3_bucket.site", "main.tf", 72),
        ("IAG-EXT-004", "aws_s3_bucket.logs", "main.tf", 121),
    }
    # the deploying account through a module variable, format() and a template, and the
    # deploying account's organisation, share nothing and leave nothing unresolved
    assert not [f for f in report["findings"] if f["resource"].startswith(("module.trust.", "aws_s3_bucket_policy.shared"))]
    (admin,) = [f for f in report["findings"] if f["rule_id"] == "IAG-LP-001"]
    assert "statement Everything" in admin["message"]
    (logs,) = [f for f in report["findings"] if f["resource"] == "aws_s3_bucket_policy.logs"]
    assert "statement 2 (PublicReports) lets anyone perform s3:GetObject" in logs["message"]


# -- the evaluator keeps known text -----------------------------------------------------------


def _load(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    result = load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path)
    assert not result.errors, result.errors
    (res,) = [r for r in result.resources if r.address == "t_x.r"]
    return res.properties


PRELUDE = """
variable "nodef" {}
data "aws_caller_identity" "current" {}
resource "aws_s3_bucket" "b" {}
"""


def test_functions_keep_known_text(tmp_path):
    props = _load(tmp_path, {"main.tf": PRELUDE + """
        resource "t_x" "r" {
          fmt     = format("arn:aws:iam::%s:role/%s", data.aws_caller_identity.current.account_id, "ops")
          joined  = join(",", ["a", aws_s3_bucket.b.arn, "c"])
          replaced = replace("arn:BUCKET/*|BUCKET", "BUCKET", aws_s3_bucket.b.arn)
          nested  = "x-${format("%s-y", var.nodef)}-z"
          decoded = jsondecode("{\\"Resource\\": \\"${aws_s3_bucket.b.arn}/*\\", \\"n\\": ${var.nodef}}")
          unknown_list = join(",", var.nodef)
          # placeholders filled one after the other into a document with an unknown leaf
          filled  = replace(replace(jsonencode({ R = [aws_s3_bucket.b.arn, "_ID_/*"], A = "_ACCOUNT_" }),
                                    "_ID_", aws_s3_bucket.b.id),
                            "_ACCOUNT_", data.aws_caller_identity.current.account_id)
          regex   = replace("a-${var.nodef}", "/a/", "b")
        }
        """})
    assert props["fmt"].parts == ("arn:aws:iam::", ACCOUNT, ":role/ops")
    assert props["joined"].parts == ("a,", BUCKET, ",c")
    assert props["replaced"].parts == ("arn:", BUCKET, "/*|", BUCKET)
    assert props["nested"].parts == ("x-", Unknown("var.nodef"), "-y-z")
    assert props["decoded"] == {"Resource": Partial([BUCKET, "/*"]), "n": Unknown("var.nodef")}
    # how many elements, and where, is not known: no known text to keep
    assert type(props["unknown_list"]) is Unknown
    assert props["filled"].parts == ('{"R":["', BUCKET, '","', Ref("aws_s3_bucket.b", "id"), '/*"],"A":"', ACCOUNT,
                                     '"}')
    # a regular expression could match across a hole: not judged on its known text
    assert type(props["regex"]) is Unknown


def test_templatefile_renders_around_holes(tmp_path):
    props = _load(tmp_path, {
        "main.tf": PRELUDE + """
            resource "t_x" "r" {
              v = templatefile("p.tpl", { account = data.aws_caller_identity.current.account_id,
                                          names = ["a", "b"], on = var.nodef })
            }
            """,
        "p.tpl": 'arn:aws:iam::${account}:root%{ for n in names },${n}%{ endfor }'
                 '%{ if on }!%{ endif }',
    })
    value = props["v"]
    assert isinstance(value, Partial)
    assert value.parts[:3] == ("arn:aws:iam::", ACCOUNT, ":root,a,b")
    # an undecided directive is a hole of its own, shown as written
    assert value.parts[3].text == "%{ if on }!%{ endif }" and len(value.parts) == 4
    assert value.text == "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root,a,b%{ if on }!%{ endif }"


# -- JSON around holes ------------------------------------------------------------------------


def test_holes_in_strings_keys_and_outside_strings():
    doc = Partial(['{"Statement": [{"Sid": "S', ACTIONS, '", "Action": ', ACTIONS, ', "Resource": "', BUCKET,
                   '", "Condition": {"StringEquals": {"', ACCOUNT, ':sub": "arn:aws:iam::', ACCOUNT,
                   ':root"}}}]}'])
    (statement,) = decode_json_with_holes(doc)["Statement"]
    assert statement["Sid"] == Partial(["S", ACTIONS])
    assert statement["Action"] is ACTIONS  # a hole outside any string is that value
    assert statement["Resource"] is BUCKET  # a string that is exactly one hole keeps the Ref
    (key, value), = statement["Condition"]["StringEquals"].items()
    assert key == "${data.aws_caller_identity.current.account_id}:sub"
    assert value.parts == ("arn:aws:iam::", ACCOUNT, ":root")


def test_escaped_quotes_next_to_holes():
    # \" before a hole stays inside the string; a hole right after a backslash cannot be read
    decoded = decode_json_with_holes(Partial(['{"a": "say \\"', ACTIONS, '\\" ok", "b": ', BUCKET, '}']))
    assert decoded["a"].parts == ('say "', ACTIONS, '" ok') and decoded["b"] is BUCKET
    with pytest.raises(ValueError):
        decode_json_with_holes(Partial(['{"a": "x\\', ACTIONS, '"}']))


def test_placeholder_text_in_input_is_not_a_hole():
    # text that looks like the placeholders (old or new style) or like ${...} is literal text
    literal = '\u2063iacguard-hole-0\u2063 ${var.x} \u20630\u2063'
    decoded = decode_json_with_holes(Partial(['{"Sid": "', literal, '", "Resource": "', BUCKET, '"}']))
    assert decoded["Sid"] == literal and type(decoded["Sid"]) is str
    assert decoded["Resource"] is BUCKET


def test_unreadable_json_around_holes_raises():
    with pytest.raises(ValueError):
        decode_json_with_holes(Partial(['{"Statement": [', ACTIONS, ' ', ACTIONS, ']}']))


def test_policy_with_holes_is_judged_unless_the_hole_decides():
    def policy(*parts):
        return parse_policy(Partial(['{"Version": "2012-10-17", "Statement": [{', *parts, '}]}']))

    judged = policy('"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::', ACCOUNT,
                    '-logs/*", "Condition": {"StringEquals": {"aws:SourceAccount": "', ACCOUNT, '"}}')
    assert judged.unresolved is None and judged.problems == []
    assert judged.statements[0].actions == ("*",)
    # an Effect, an Action or an element name that is a hole decides: unresolved, naming it
    effect = policy('"Effect": "', ACTIONS, '", "Action": "s3:GetObject", "Resource": "*"')
    assert effect.unresolved == "statement 1 Effect: var.actions has no value: pass --var actions=... or a var file"
    action = policy('"Effect": "Allow", "Action": ', ACTIONS, ', "Resource": "*"')
    assert action.unresolved == "statement 1 Action: var.actions has no value: pass --var actions=... or a var file"
    name = policy('"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "', ACTIONS, '": "x"')
    assert name.unresolved == "statement 1: element name ${var.actions} is not known before deploy"
    assert name.problems == []
    # JSON that cannot be read around the holes: the document is unknown, never a pass
    broken = policy('"Effect": "Allow", ', ACTIONS, ' "Action": "*"')
    assert broken.unresolved and broken.statements == []


def test_partial_keeps_working_where_unknown_is_expected():
    value = Partial(["arn:aws:iam::", ACCOUNT, ":root"])
    assert isinstance(value, Unknown) and str(value) == "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
    assert Partial(["a", value, "b"]).parts == ("aarn:aws:iam::", ACCOUNT, ":rootb")  # flattened
    assert value.refs == () and Partial(["x", BUCKET]).refs == (BUCKET,)


def test_condition_key_written_around_an_unknown_keeps_its_claim():
    """`${replace(provider_arn, ...)}:sub` is the sub claim of the trusted provider (IRSA roles
    of terraform-aws-iam were reported as having no sub condition); an :aud-only trust is still
    reported."""
    report, proc = scan_json(".", cwd=ROOT / "tests" / "fixtures" / "tf" / "oidc_partial_key")
    assert report["errors"] == []
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]] == [
        ("IAG-EXT-008", "aws_iam_role.audience_only", "main.tf", 39)]
    assert proc.returncode == 1
