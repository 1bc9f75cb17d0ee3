"""The per-file time limit covers the checks of a group, not only its reading; timers nest; the
CloudFormation hook answers FAILED before the Lambda times out."""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from helpers import ROOT, run_cli, scan_json, triples
from iacguard import engine
from iacguard.errors import InputError
from iacguard.integrations import cfn_hook
from iacguard.limits import DeadlineExceeded, deadline, time_limit

# A check that cannot finish on one role: it stands for any analysis that runs away.
SLOW_CHECK = '''\
import time

from iacguard.checks_api import check


@check("SLOW-001", family="guardrails", severity="low", title="Never finishes on SpinRole",
       why="Stands for an analysis that runs away.", fix="None.")
def spin_on_marked_role(ctx):
    """Spins for a long time on a role whose logical id is SpinRole."""
    if any(p.resource.address.endswith("SpinRole") for p in ctx.model.principals.values()):
        ends = time.monotonic() + 20
        while time.monotonic() < ends:
            time.sleep(0.02)
'''

ROLE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  {name}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: admin
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: "*"
                Resource: "*"
"""


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "slow_check.py").write_text(SLOW_CHECK)
    (tmp_path / "slow.yaml").write_text(ROLE.format(name="SpinRole"))
    (tmp_path / "fast.yaml").write_text(ROLE.format(name="AppRole"))
    return tmp_path


@pytest.mark.parametrize("jobs", ["1", "2"])  # in this process, and in partition workers
def test_checks_that_run_past_the_limit_are_an_error_naming_the_file(tree, jobs) -> None:
    alone = run_cli("scan", "fast.yaml", "--format", "json", cwd=tree)
    started = time.monotonic()
    proc = run_cli("scan", ".", "--format", "json", "--checks-dir", "checks", "--max-seconds-per-file", "1",
                   "--jobs", jobs, cwd=tree)
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    assert proc.returncode == 2
    assert [(e["file"], e["message"]) for e in report["errors"]] == [
        ("slow.yaml", "analysing this file took longer than the limit of 1 seconds; "
                      "raise it with --max-seconds-per-file")]
    # the other template is still judged, exactly as when it is scanned alone
    expected = triples(json.loads(alone.stdout))
    assert expected and triples(report) == expected
    assert elapsed < 15  # the slow check alone takes 20 s


def test_one_slow_group_among_many_is_found_and_the_rest_reported(tree) -> None:
    for number in range(5):
        (tree / f"more{number}.yaml").write_text(ROLE.format(name=f"Role{number}"))
    proc = run_cli("scan", ".", "--format", "json", "--checks-dir", "checks", "--max-seconds-per-file", "1",
                   "--jobs", "1", cwd=tree)
    report = json.loads(proc.stdout)
    assert [e["file"] for e in report["errors"]] == ["slow.yaml"]
    assert {f["file"] for f in report["findings"]} == {"fast.yaml"} | {f"more{n}.yaml" for n in range(5)}
    assert proc.returncode == 2


def test_a_terraform_root_module_is_named_by_its_directory(tree) -> None:
    (tree / "slow.yaml").unlink()
    (tree / "infra").mkdir()
    (tree / "infra" / "main.tf").write_text(textwrap.dedent("""\
        resource "aws_iam_role" "SpinRole" {
          name               = "spin"
          assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",
            Principal = {Service = "lambda.amazonaws.com"}, Action = "sts:AssumeRole"}]})
        }
        """))
    proc = run_cli("scan", ".", "--format", "json", "--checks-dir", "checks", "--max-seconds-per-file", "1",
                   "--jobs", "1", cwd=tree)
    report = json.loads(proc.stdout)
    assert [(e["file"], e["message"].split(" took")[0]) for e in report["errors"]] == [
        ("infra", "analysing this file")]
    assert {f["file"] for f in report["findings"]} == {"fast.yaml"}
    assert proc.returncode == 2


def test_in_process_scan_keeps_a_model_of_the_groups_that_finished(tree) -> None:
    from iacguard.framework import load_checks
    from iacguard.settings import Settings

    settings = Settings(checks_dirs=[str(tree / "checks")], max_seconds_per_file=1)
    result = engine.load_resources([str(tree / "slow.yaml"), str(tree / "fast.yaml")], settings, root=tree)
    engine.run_checks(result, settings)
    assert [(e.file, e.message.split(" took")[0]) for e in result.errors] == [("slow.yaml", "analysing this file")]
    assert {p.resource.address for p in result.model.principals.values()} == {"AppRole"}
    assert load_checks(settings.checks_dirs)  # the slow check was really loaded


# -- timers --------------------------------------------------------------------------------------

def test_an_inner_time_limit_does_not_outlive_the_outer_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        with deadline(0.3):
            with time_limit(5, "inner.yaml"):
                while True:
                    time.sleep(0.01)
    assert time.monotonic() - started < 2


def test_an_inner_time_limit_leaves_the_outer_deadline_armed() -> None:
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        with deadline(0.8):
            with pytest.raises(InputError) as inner:
                with time_limit(0.2, "inner.yaml"):
                    while True:
                        time.sleep(0.01)
            assert inner.value.file == "inner.yaml"
            while True:  # the outer deadline still ends this
                time.sleep(0.01)
    assert 0.6 < time.monotonic() - started < 3


def test_deadline_disarms() -> None:
    with deadline(0.2):
        pass
    time.sleep(0.3)  # nothing fires after the block


# -- the CloudFormation hook ---------------------------------------------------------------------

class _LambdaContext:
    def __init__(self, millis: int) -> None:
        self.ends = time.monotonic() + millis / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.ends - time.monotonic()) * 1000))


def _resource_event() -> dict:
    return json.loads((ROOT / "tests" / "fixtures" / "integrations" / "hook_events" /
                       "resource_bucket_policy.json").read_text())


def test_hook_answers_failed_before_the_lambda_times_out(monkeypatch) -> None:
    real = engine._analyse

    def slow_analysis(*args, **kwargs):  # an analysis that needs longer than the Lambda has
        time.sleep(4)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "_analyse", slow_analysis)
    started = time.monotonic()
    response = cfn_hook.handler(_resource_event(), _LambdaContext(1500))
    elapsed = time.monotonic() - started
    assert response["hookStatus"] == "FAILED"
    assert response["errorCode"] == "InternalFailure"
    assert response["message"].startswith("iacguard could not finish the analysis in the 1.1 seconds left "
                                          "before the Lambda timeout")
    assert response["clientRequestToken"] == _resource_event()["clientRequestToken"]
    assert elapsed < 3  # the slow step alone takes 4 s


def test_hook_with_no_time_left_fails_at_once() -> None:
    response = cfn_hook.handler(_resource_event(), _LambdaContext(0))
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "InternalFailure"
    assert "no time left" in response["message"]


def test_hook_with_time_enough_judges_the_adversarial_wildcards() -> None:
    event = _resource_event()
    event["requestData"]["targetName"] = "AWS::IAM::ManagedPolicy"
    event["requestData"]["targetModel"]["resourceProperties"] = {"PolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:" + "*?" * 12, "Resource": "*"},
                      {"Effect": "Allow", "Action": "s3:" + "*?" * 12 + "#", "Resource": "*"}]}}
    started = time.monotonic()
    response = cfn_hook.handler(event, _LambdaContext(20_000))
    assert time.monotonic() - started < 10
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant", response
    assert response["message"].startswith("iacguard: 2 blocking findings at fail-on high\n[IAG-LP-005]: ")
    assert "statement 1 grants 69 permissions-management and write actions" in response["message"]
    assert [a["annotationName"] for a in response["annotations"]] == ["IAG-LP-005", "IAG-PE-003"]


REDOS_TF = '''locals {{
  name = replace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "{pattern}", "x")
}}

resource "aws_iam_policy" "p" {{
  name = "p"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::${{local.name}}/*" }}]
  }})
}}
'''


def test_terraform_replace_with_a_backtracking_regex_is_bounded(tmp_path):
    # Terraform's RE2 never backtracks; Python's re ran until the 10 s limit of the whole file
    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "main.tf").write_text(REDOS_TF.format(pattern="/(a+)+$/"))
    report, proc = scan_json(str(nested), "--fail-on", "none")
    assert proc.returncode == 0 and report["errors"] == []
    overlapping = tmp_path / "overlapping"
    overlapping.mkdir()
    (overlapping / "main.tf").write_text(REDOS_TF.format(pattern="/(a|aa)+$/"))
    (tmp_path / "admin").mkdir()
    (tmp_path / "admin" / "main.tf").write_text(
        'resource "aws_iam_policy" "admin" {\n  name = "admin"\n  policy = jsonencode({\n'
        '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]\n  })\n}\n')
    started = time.monotonic()
    report, proc = scan_json(str(tmp_path / "overlapping"), str(tmp_path / "admin"), "--max-seconds-per-file", "30")
    assert time.monotonic() - started < 20
    assert proc.returncode == 2
    assert [(e["file"], e["line"], e["message"]) for e in report["errors"]] == [
        ("overlapping/main.tf", 2, "replace(): the regular expression /(a|aa)+$/ took over 1 s on this text "
                                   "(it backtracks; Terraform's RE2 engine would not): simplify it")]
    assert ("IAG-LP-001", "aws_iam_policy.admin") in {(f["rule_id"], f["resource"]) for f in report["findings"]}
