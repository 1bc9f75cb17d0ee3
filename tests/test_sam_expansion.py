"""SAM templates through the CLI: AWS::Include in SAM properties read from local files inside the
scan root, and a resource the translator rejects losing only itself."""

from __future__ import annotations

from pathlib import Path

from helpers import ROOT, run_cli, scan_json

FIXTURES = ROOT / "tests" / "fixtures"
_INCLUDE_WHY = ("is not analysed: CloudFormation runs the transform when the stack is deployed, so what it "
                "inserts (it may be a policy) is not known here")


def _errors(report: dict) -> list[tuple[str, str, int, str]]:
    return sorted((e["kind"], e["file"], e["line"], e["message"]) for e in report["errors"])


def _findings(report: dict) -> set[tuple[str, str, str, int]]:
    return {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]}


# -- AWS::Include inside SAM properties ---------------------------------------------------------------

def test_included_api_definition_and_policy_are_analysed_where_they_are_written():
    """The Api's DefinitionBody (an OpenAPI file with a public resource policy) and a function's
    policy come from files beside the template: their findings point into those files. An S3
    location is not fetched: named as not analysed, as in a plain CloudFormation template."""
    proc = run_cli("scan", ".", "--format", "json", cwd=FIXTURES / "sam_include")
    import json

    report = json.loads(proc.stdout)
    assert ("IAG-EXT-001", "OrdersApi", "snippets/openapi.yaml", 13) in _findings(report)
    assert ("IAG-LP-001", "WorkerRole", "snippets/worker-policy.yaml", 3) in _findings(report)
    assert _errors(report) == [
        ("unresolved", "template.yaml", 25, 'RemoteRole attaches a policy that could not be resolved: Fn::Transform '
         '{"Name": "AWS::Include", "Parameters": {"Location": "s3://shared-bucket/policy.yaml"}} is not known '
         "before deploy (Fn::Transform is known only at deploy time)"),
        ("unresolved", "template.yaml", 32, "resource RemoteRole: Fn::Transform AWS::Include "
         f"(s3://shared-bucket/policy.yaml) in its properties {_INCLUDE_WHY}"),
    ]
    assert proc.returncode == 2
    assert proc.stderr == ""  # the translator's own log lines never reach the user


_SAM_WITH_INCLUDE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Policies:
        - Fn::Transform:
            Name: AWS::Include
            Parameters: {{Location: {location}}}
"""
_ADMIN_POLICY = "Statement:\n  - Effect: Allow\n    Action: '*'\n    Resource: '*'\n"


def test_an_include_outside_the_scan_root_is_never_read(tmp_path: Path):
    (tmp_path / "outside.yaml").write_text(_ADMIN_POLICY)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "template.yaml").write_text(_SAM_WITH_INCLUDE.format(location="../outside.yaml"))
    report, proc = scan_json(".", cwd=repo)
    assert not [f for f in report["findings"] if f["rule_id"] == "IAG-LP-001"]
    assert ("unresolved", "template.yaml", 10, "resource FnRole: Fn::Transform AWS::Include (../outside.yaml) "
            f"in its properties {_INCLUDE_WHY}") in _errors(report)
    assert proc.returncode == 2


def test_an_included_file_inside_the_root_is_read_and_a_missing_one_is_an_error_at_the_include(tmp_path: Path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "admin.yaml").write_text(_ADMIN_POLICY)
    (tmp_path / "template.yaml").write_text(_SAM_WITH_INCLUDE.format(location="policies/admin.yaml"))
    report, proc = scan_json(".", cwd=tmp_path)
    assert report["errors"] == []
    assert ("IAG-LP-001", "FnRole", "policies/admin.yaml", 2) in _findings(report)
    assert proc.returncode == 1

    (tmp_path / "policies" / "admin.yaml").unlink()
    report, proc = scan_json(".", cwd=tmp_path)
    messages = [(e["kind"], e["file"], e["line"], e["message"]) for e in report["errors"]]
    assert messages[0][:3] == ("input", "template.yaml", 10)
    assert messages[0][3].startswith("Fn::Transform AWS::Include (policies/admin.yaml): ")
    assert proc.returncode == 2


def test_a_local_include_in_a_plain_cloudformation_resource_is_read_too(tmp_path: Path):
    (tmp_path / "admin.json").write_text('{"Version": "2012-10-17",\n "Statement": [{"Effect": "Allow",\n'
                                         '  "Action": "*", "Resource": "*"}]}\n')
    (tmp_path / "template.yaml").write_text("""\
Resources:
  Admin:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Fn::Transform:
          Name: AWS::Include
          Parameters: {Location: ./admin.json}
""")
    report, proc = scan_json(".", cwd=tmp_path)
    assert report["errors"] == []
    assert ("IAG-LP-001", "Admin", "admin.json", 2) in _findings(report)
    assert proc.returncode == 1


# -- a transform that fails on one resource loses only that resource --------------------------------

PARTIAL = FIXTURES / "sam_partial"


def test_one_broken_function_loses_only_itself():
    report, proc = scan_json("one_broken_function.yaml", cwd=PARTIAL)
    assert _errors(report) == [(
        "input", "one_broken_function.yaml", 4,
        "SAM transform failed: Resource with id [Broken] is invalid. Event with id [Nightly] is invalid. "
        "Resource dict has missing or invalid value for key Type. Event Type is: NotAnEventSource.")]
    # the other function is translated and judged; its GetAtt of the broken one is no error of its own
    assert _findings(report) == {("IAG-LP-001", "RiskyRole", "one_broken_function.yaml", 24)}
    assert proc.returncode == 2


def test_what_fails_without_a_rejected_resource_is_named_at_its_own_line():
    report, proc = scan_json("cascade.yaml", cwd=PARTIAL)
    assert _errors(report) == [
        ("input", "cascade.yaml", 4, "SAM transform failed: Resource with id [OrdersApi] is invalid. Type of "
                                     "property 'MethodSettings' is invalid."),
        ("input", "cascade.yaml", 9, "SAM transform failed: Resource with id [Orders] is invalid. Event with id "
                                     "[List] is invalid. RestApiId must be a valid reference to an "
                                     "'AWS::Serverless::Api' resource in same template. (translated without "
                                     "OrdersApi, which could not be)"),
    ]
    found = _findings(report)
    # the state machine's role (from its Policies) and a plain policy naming the lost Api are still judged
    assert ("IAG-PE-001", "PipelineRole", "cascade.yaml", 28) in found
    assert ("IAG-LP-002", "ApiAccess", "cascade.yaml", 39) in found
    assert proc.returncode == 2


def test_a_template_the_translator_cannot_read_at_all_is_one_error_at_its_top(tmp_path: Path):
    (tmp_path / "t.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nGlobals: [1]\nResources:\n"
                                     "  Q: {Type: AWS::SQS::Queue}\n")
    report, proc = scan_json("t.yaml", cwd=tmp_path)
    assert [(e["kind"], e["line"]) for e in report["errors"]] == [("input", 1)]
    assert report["errors"][0]["message"].startswith("SAM transform failed: ")
    assert "Traceback" not in proc.stderr and proc.returncode == 2


# -- what translations of one process share ----------------------------------------------------------

_POLICY_TEMPLATE_SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker{n}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Policies:
        - SQSPollerPolicy:
            QueueName: jobs-{n}
"""


def test_policy_templates_are_built_once_and_every_template_still_gets_its_policy():
    """Building the translator's policy-template plugin validates AWS's templates against their
    schema (most of a SAM scan's time): one plugin serves every template of the process, and each
    template still gets its own expansion of the policy template it names."""
    import yaml
    from samtranslator.translator import translator as translator_module

    from iacguard.loaders import sam

    def statements(n: int) -> list[dict]:
        out, errors, _ = sam.expand(yaml.safe_load(_POLICY_TEMPLATE_SAM.format(n=n)), f"t{n}.yaml")
        assert errors == []
        role = out["Resources"][f"Worker{n}Role"]["Properties"]
        return [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]

    first = statements(1)
    assert translator_module.make_policy_template_for_function_plugin() is \
        translator_module.make_policy_template_for_function_plugin()
    second = statements(2)
    assert "sqs:ReceiveMessage" in first[0]["Action"] and "sqs:ReceiveMessage" in second[0]["Action"]
    assert "jobs-1" in str(first[0]["Resource"]) and "jobs-2" in str(second[0]["Resource"])
    assert "jobs-1" not in str(second)
