"""Severity follows consequence: one grading table (iacguard/grading.py), the README's copy of it,
`iacguard explain`, and IAG-LP-007's grading of reads (medium inside the account, high for
secrets and for roles that callers outside the zone of trust may assume)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from iacguard import grading
from iacguard.framework import load_checks
from iacguard.severity import SEVERITIES

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "calibration" / "data_reads.yaml"


def test_readme_holds_the_generated_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert grading.readme_with_table(readme) == readme, "README's grading table is stale: " \
                                                        "python -m iacguard.grading --write"
    assert grading.markdown_table() in readme


def test_readme_starts_with_its_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines[:5] == ["# iacguard", "", "```sh",
                         "python3 -m venv .venv && . .venv/bin/activate && pip install . && iacguard scan sample_templates/",
                         "python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]' && python -m pytest"]


def test_every_builtin_check_is_graded_and_every_graded_rule_exists():
    checks = {i for i, m in load_checks().items() if m.origin == "builtin"}
    graded = {r for g in grading.GRADES for r in g.rules}
    assert checks - graded == set(), "checks without a row in iacguard/grading.py"
    assert graded - checks == set(), "rows naming no check"
    for grade in grading.GRADES:
        assert grade.severity in SEVERITIES + (grading.LOWER,) and grade.consequence and grade.why
    for rule in checks:  # a rule's highest row reaches the severity `list-checks` gives it
        top = max((SEVERITIES.index(g.severity) for g in grading.grades_of(rule) if g.severity in SEVERITIES),
                  default=-1)
        assert top >= SEVERITIES.index(load_checks()[rule].severity), rule


def test_grades_of_a_rule():
    lp7 = grading.grades_of("iag-lp-007")
    assert [g.severity for g in lp7] == ["high", "high", "medium", grading.LOWER]
    assert grading.grades_of("NOPE-1") == []
    assert "| a \\| b |" in grading.markdown_table([grading.Grade("a | b", "low", ("X",), "y")])


def test_a_readme_without_the_markers_is_an_error():
    with pytest.raises(ValueError):
        grading.readme_with_table("no markers here")


def test_explain_shows_the_rules_rows():
    from iacguard.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", "IAG-LP-007"]) == 0
    text = out.getvalue()
    section = text.split("## How severe\n", 1)[1].split("\n## ", 1)[0]
    assert section.strip() == grading.markdown_table(grading.grades_of("IAG-LP-007")).strip()
    assert "| Reads of every object by a holder inside the account | medium | IAG-LP-007 |" in section


# ---------------------------------------------------------------- IAG-LP-007 end to end


def _lp7(paths: list[str], settings: dict | None = None):
    from iacguard.engine import scan
    from iacguard.settings import validate

    result = scan(paths, validate(settings or {}, "test"))
    return sorted((f.rule_id, f.resource, f.line, f.severity) for f in result.findings
                  if f.rule_id == "IAG-LP-007"), result


ZONE = {"deploy_accounts": ["111122223333"]}  # so 444455556666 is known to be another's


def test_object_reads_are_medium_inside_the_account_and_high_from_outside_or_for_secrets():
    got, result = _lp7([str(FIXTURE)], ZONE)
    assert got == [
        ("IAG-LP-007", "PartnerRole", 34, "high"),    # another account may assume it
        ("IAG-LP-007", "ReaderRole", 17, "medium"),   # only Lambda assumes it
        ("IAG-LP-007", "SecretRole", 50, "high"),     # secretsmanager:GetSecretValue
        ("IAG-LP-007", "SecretRole", 53, "low"),      # object read narrowed by a tag condition
    ]
    partner = next(f for f in result.findings if f.rule_id == "IAG-LP-007" and f.resource == "PartnerRole")
    assert "the holder can be assumed from outside the account (role PartnerRole by account 444455556666)" \
        in partner.message
    assert partner.evidence["outside_callers"] == "role PartnerRole by account 444455556666"
    reader = next(f for f in result.findings if f.rule_id == "IAG-LP-007" and f.resource == "ReaderRole")
    assert "outside" not in reader.message and "outside_callers" not in reader.evidence


def test_without_a_zone_another_account_is_unknown_and_its_reads_stay_medium():
    # the same role without settings: 444455556666 may be the user's own account (IAG-EXT-002
    # says so at low), so nothing is known to reach the holder from outside
    got, result = _lp7([str(FIXTURE)])
    assert ("IAG-LP-007", "PartnerRole", 34, "medium") in got
    partner = next(f for f in result.findings if f.rule_id == "IAG-LP-007" and f.resource == "PartnerRole")
    assert "outside_callers" not in partner.evidence
    trust = next(f for f in result.findings if f.rule_id == "IAG-EXT-002" and f.resource == "PartnerRole")
    assert trust.severity == "low" and "may be your own account" in trust.message


def test_a_trusted_partner_account_is_inside_the_zone():
    got, _ = _lp7([str(FIXTURE)], {"trusted_accounts": ["444455556666"]})
    assert ("IAG-LP-007", "PartnerRole", 34, "medium") in got


@pytest.mark.parametrize("actions,expected", [
    (["s3:GetObject"], "medium"), (["s3:GetObjectVersion"], "medium"), (["s3:Get*"], "medium"),
    (["ssm:GetParameter"], "high"), (["ssm:GetParametersByPath"], "high"), (["kms:Decrypt"], "high"),
    (["kms:ReEncryptFrom"], "high"), (["secretsmanager:GetSecretValue"], "high"),
    (["s3:GetObject", "kms:Decrypt"], "high"),
])
def test_what_is_read_decides(actions, expected, tmp_path):
    template = {"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}}}}}
    (tmp_path / "t.json").write_text(json.dumps(template))
    got, _ = _lp7([str(tmp_path)])
    assert [g[3] for g in got] == [expected]


def test_a_public_trust_keeps_object_reads_high_in_terraform(tmp_path):
    (tmp_path / "main.tf").write_text('''\
resource "aws_iam_role" "open" {
  name = "open"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "read" {
  role   = aws_iam_role.open.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}
''')
    got, result = _lp7([str(tmp_path)])
    assert got == [("IAG-LP-007", "aws_iam_role_policy.read", 13, "high")]
    assert "(role aws_iam_role.open by anyone)" in next(f for f in result.findings if f.rule_id == "IAG-LP-007").message
