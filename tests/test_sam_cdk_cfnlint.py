"""SAM expansion, CDK construct paths and the --cfn-lint companion, end to end through the CLI."""

from __future__ import annotations

import json

import pytest

from helpers import ROOT, run_cli, scan_json
from iacguard.loaders import sam
from iacguard.loaders.cloudformation import build_resources, parse_document

FIXTURES = ROOT / "tests" / "fixtures" / "integrations"


def load(name: str):
    path = FIXTURES / name
    return build_resources(parse_document(path.read_text(), name), name)


# -- SAM -----------------------------------------------------------------------------------------------

def test_sam_resources_are_expanded_with_lines_of_their_sam_resource():
    loaded = load("sam_app.yaml")
    assert loaded.errors == []
    by_id = {r.address: r for r in loaded.resources}
    # Policies -> a role with managed and inline policies; Events -> a permission; URL -> url + permission
    assert by_id["ApiRole"].type == "AWS::IAM::Role" and by_id["ApiRole"].line == 10
    assert by_id["ApiUploadPermission"].type == "AWS::Lambda::Permission"
    assert by_id["ApiUrl"].type == "AWS::Lambda::Url" and by_id["ApiUrl"].line == 10
    url_permissions = [r for r in loaded.resources if r.type == "AWS::Lambda::Permission"
                       and r.properties.get("FunctionUrlAuthType") == "NONE"]
    assert url_permissions and all(r.line == 10 for r in url_permissions)
    assert by_id["WorkerRole"].line == 31 and by_id["Worker"].type == "AWS::Lambda::Function"
    assert by_id["Reports"].line == 8  # a plain resource keeps its own line
    assert by_id["ApiRole"].metadata.get("SamResourceId") == "Api"


def test_sam_findings_point_back_at_the_template():
    report, proc = scan_json(str(FIXTURES / "sam_app.yaml"))
    assert proc.returncode == 1
    lp = {(f["resource"], f["line"]) for f in report["findings"] if f["rule_id"] == "IAG-LP-001"}
    # the inline statement keeps its own line (19); the managed policy points at Worker (31)
    assert lp == {("ApiRole", 19), ("WorkerRole", 31)}
    external = [f for f in report["findings"] if f["family"] == "external-access" and f["resource"].startswith("ApiUrl")]
    assert external and all(f["line"] == 10 for f in external)


def test_sam_good_template_has_no_identity_findings():
    report, _ = scan_json(str(FIXTURES / "sam_good.yaml"))
    assert report["errors"] == []
    assert not [f for f in report["findings"] if f["resource"].startswith("Reader")]


def test_invalid_sam_is_an_input_error_at_the_resource():
    report, proc = scan_json(str(FIXTURES / "sam_invalid.yaml"))
    assert proc.returncode == 2
    assert report["errors"] == [{"file": "sam_invalid.yaml", "line": 3, "kind": "input",
                                 "message": report["errors"][0]["message"]}]
    assert report["errors"][0]["message"].startswith("SAM transform failed: Resource with id [Broken]")


@pytest.mark.parametrize("transform, expected", [
    ("AWS::Serverless-2016-10-31", True),
    (["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"], True),
    ("AWS::LanguageExtensions", False),
    (None, False),
    ({"Name": "AWS::Include"}, False),
])
def test_uses_serverless_transform(transform, expected):
    assert sam.uses_serverless_transform({"Transform": transform, "Resources": {}}) is expected


def test_plain_templates_never_import_samtranslator():
    import subprocess
    import sys

    code = ("import sys; from iacguard.engine import scan; scan(['tests/fixtures/check_samples/cloudformation']);"
            "print('samtranslator' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip() == "False", proc.stderr


# -- CDK -----------------------------------------------------------------------------------------------

def test_cdk_construct_path_is_shown_in_findings(tmp_path):
    report, proc = scan_json(str(FIXTURES / "cdk.out"))
    findings = [f for f in report["findings"] if f["rule_id"] == "IAG-LP-001"]
    assert [(f["resource"], f["construct_path"]) for f in findings] == [("AppRole5F3C2A1B", "AppStack/AppRole/Resource")]
    text = run_cli("scan", str(FIXTURES / "cdk.out")).stdout
    assert "CDK construct: AppStack/AppRole/Resource" in text
    sarif_doc = json.loads(run_cli("scan", str(FIXTURES / "cdk.out"), "--format", "sarif").stdout)
    result = next(r for r in sarif_doc["runs"][0]["results"] if r["ruleId"] == "IAG-LP-001")
    assert result["properties"]["cdkPath"] == "AppStack/AppRole/Resource"
    assert result["message"]["text"].endswith("(CDK construct AppStack/AppRole/Resource)")


def test_hand_written_templates_have_no_construct_path():
    report, _ = scan_json("tests/fixtures/check_samples/cloudformation")
    assert all("construct_path" not in f for f in report["findings"])


# -- cfn-lint ------------------------------------------------------------------------------------------

def test_cfn_lint_matches_are_merged_with_their_rule_ids(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text((FIXTURES / "cfn_lint_target.yaml").read_text().replace(
        "VisibilityTimeout:", "VisibilityTimeoutz:"))
    report, proc = scan_json(str(broken), "--cfn-lint")
    lint = [f for f in report["findings"] if f["family"] == "template-validity"]
    assert [(f["rule_id"], f["resource"], f["line"], f["severity"]) for f in lint] == [("E3002", "Queue", 6, "high")]
    assert "VisibilityTimeoutz" in lint[0]["message"] and lint[0]["resource_type"] == "AWS::SQS::Queue"
    assert proc.returncode == 1
    # without the flag cfn-lint does not run
    report, _ = scan_json(str(broken))
    assert not [f for f in report["findings"] if f["family"] == "template-validity"]
    # a valid template gives no template-validity finding; disabling the family silences it
    report, proc = scan_json(str(FIXTURES / "cfn_lint_target.yaml"), "--cfn-lint")
    assert not [f for f in report["findings"] if f["family"] == "template-validity"]
    (tmp_path / ".iacguard.yaml").write_text("disable: [template-validity]\n")
    report, _ = scan_json(str(broken), "--cfn-lint", "--config", str(tmp_path / ".iacguard.yaml"))
    assert not [f for f in report["findings"] if f["family"] == "template-validity"]


def test_cfn_lint_runs_only_on_cloudformation_and_is_lazy():
    import subprocess
    import sys

    report, _ = scan_json("tests/fixtures/check_samples/terraform", "--cfn-lint")
    assert not [f for f in report["findings"] if f["family"] == "template-validity"]
    code = ("import sys; from iacguard.cli import main; main(['scan', 'tests/fixtures/check_samples/cloudformation', "
            "'--format', 'json', '-o', '/dev/null']); print('cfnlint' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip().endswith("False"), proc.stdout + proc.stderr


def test_sam_expansion_writes_nothing_to_stderr(tmp_path):
    """samtranslator warns about unpublished metrics when its Metrics object is collected."""
    pytest.importorskip("samtranslator")
    template = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                "    Properties:\n      Runtime: python3.12\n      Handler: a.h\n      CodeUri: s3://b/k.zip\n")
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        (tmp_path / name).write_text(template)
    proc = run_cli("scan", str(tmp_path), "--format", "json")
    assert proc.stderr == "" and proc.returncode in (0, 1)


def test_sam_api_resource_policy_in_the_openapi_body_is_judged(tmp_path):
    """SAM writes Auth.ResourcePolicy into the generated RestApi's OpenAPI body."""
    pytest.importorskip("samtranslator")
    (tmp_path / "t.yaml").write_text("""\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        ResourcePolicy:
          CustomStatements:
            - Effect: Allow
              Principal: "*"
              Action: execute-api:Invoke
              Resource: execute-api:/Prod/*/*
""")
    report, _ = scan_json(str(tmp_path))
    assert [(f["rule_id"], f["resource"]) for f in report["findings"] if f["rule_id"] == "IAG-EXT-001"] == \
        [("IAG-EXT-001", "Api")]
