"""The CloudFormation Lambda hook handler, fed the documented event shapes; a local HTTP server
stands in for S3 behind the handler's test-only loopback switch."""

from __future__ import annotations

import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import ROOT, run_cli
from iacguard.integrations import cfn_hook

EVENTS = ROOT / "tests" / "fixtures" / "integrations" / "hook_events"

STACK_BAD = """\
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: codebuild.amazonaws.com }
            Action: sts:AssumeRole
  DeployPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: deploy
      Roles: [!Ref DeployRole]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: '*'
            Resource: '*'
"""
STACK_GOOD = STACK_BAD.replace("Action: '*'\n            Resource: '*'",
                               "Action: s3:GetObject\n            Resource: !Sub 'arn:${AWS::Partition}:s3:::reports/*'")


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


class _S3Stand(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802
        status, body, headers = self.routes.get(self.path.split("?")[0], (404, b"missing", {}))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def s3(monkeypatch):
    """A loopback HTTP server; ``serve(path, obj)`` returns the URL to put in the event."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _S3Stand)
    _S3Stand.routes = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(cfn_hook, "_TEST_ALLOW_LOOPBACK_HTTP", True)

    def serve(path: str, payload, status: int = 200, headers: dict | None = None) -> str:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        _S3Stand.routes[path] = (status, body, headers or {})
        return f"http://127.0.0.1:{server.server_address[1]}{path}?X-Amz-Signature=abc"

    yield serve
    server.shutdown()
    server.server_close()


def with_payload(name: str, url: str) -> dict:
    ev = event(name)
    ev["requestData"]["payload"] = url
    return ev


# -- RESOURCE targets ----------------------------------------------------------------------------

def test_resource_target_public_bucket_policy_is_non_compliant():
    response = cfn_hook.handler(event("resource_bucket_policy.json"), None)
    assert response["hookStatus"] == "FAILED"
    assert response["errorCode"] == "NonCompliant"
    assert response["clientRequestToken"] == "9b2f6c1e-2d7a-4f0e-8a51-3c4d5e6f7a80"
    first = response["message"].splitlines()[1]
    assert first.startswith("[IAG-EXT-001]: ") and " [FIX]: " in first
    assert "AnyoneCanRead" in first
    annotation = response["annotations"][0]
    assert annotation["annotationName"] == "IAG-EXT-001" and annotation["status"] == "FAILED"
    assert annotation["severityLevel"] in ("HIGH", "CRITICAL") and annotation["remediationMessage"]


def test_template_text_cannot_forge_the_hook_message():
    # The message is one entry per line, shown in stack events (often in a terminal): a Sid
    # with a line break and an ESC must not add an entry or drive the terminal.
    ev = event("resource_bucket_policy.json")
    statement = ev["requestData"]["targetModel"]["resourceProperties"]["PolicyDocument"]["Statement"][0]
    statement["Sid"] = "Read\x1b[2J\n[IAG-LP-999]: forged entry\u0085\u202e"
    response = cfn_hook.handler(ev, None)
    assert response["hookStatus"] == "FAILED"
    lines = response["message"].split("\n")
    assert len(lines) == 2 and lines[1].startswith("[IAG-EXT-001]: "), lines
    assert "Read\\x1b[2J\\x0a[IAG-LP-999]: forged entry\\x85\\u202e" in lines[1]
    assert "Read\\x1b[2J\\x0a[IAG-LP-999]" in response["annotations"][0]["statusMessage"]


def test_resource_target_scoped_bucket_policy_succeeds():
    ev = event("resource_bucket_policy.json")
    statement = ev["requestData"]["targetModel"]["resourceProperties"]["PolicyDocument"]["Statement"][0]
    statement["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}
    response = cfn_hook.handler(ev, None)
    assert response["hookStatus"] == "SUCCESS", response
    assert "errorCode" not in response
    assert response["clientRequestToken"] == ev["clientRequestToken"]


def test_resource_target_with_lowercase_token_spelling_and_stringified_scalars():
    response = cfn_hook.handler(event("resource_role_stringified.json"), None)
    assert response["clientRequestToken"] == "5c1d2e3f-0000-4abc-9def-111122223333"
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant"
    assert "[IAG-LP-001]: " in response["message"] and "AdministratorAccess" in response["message"]


@pytest.mark.parametrize("value, expected", [
    ({"Enabled": "true", "Count": "3"}, {"Enabled": True, "Count": "3"}),
    ({"BlockPublicPolicy": "FALSE"}, {"BlockPublicPolicy": False}),
    ({"Tags": [{"Key": "x", "Value": "true"}]}, {"Tags": [{"Key": "x", "Value": True}]}),
    # inside a policy document condition values stay strings
    ({"PolicyDocument": {"Statement": [{"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}},
     {"PolicyDocument": {"Statement": [{"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}),
    ({"AccountId": "012345678901"}, {"AccountId": "012345678901"}),
    ("truthy", "truthy"),
])
def test_normalize_scalars(value, expected):
    assert cfn_hook.normalize_scalars(value) == expected


def test_delete_is_not_evaluated():
    ev = event("resource_bucket_policy.json")
    ev["actionInvocationPoint"] = "DELETE_PRE_PROVISION"
    ev["requestData"]["targetModel"]["resourceProperties"] = {}
    response = cfn_hook.handler(ev, None)
    assert response["hookStatus"] == "SUCCESS"


def admin_policy_event(statements: int, sid_padding: int = 0) -> dict:
    """A RESOURCE event for a managed policy with many allow-everything statements."""
    ev = event("resource_bucket_policy.json")
    ev["requestData"].update(targetName="AWS::IAM::ManagedPolicy", targetType="AWS::IAM::ManagedPolicy",
                             targetLogicalId="Everything")
    ev["requestData"]["targetModel"]["resourceProperties"] = {"PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Sid": f"All{i:03d}" + "x" * sid_padding, "Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": f"region-{i}"}}}
        for i in range(statements)]}}
    return ev


def test_cloud_control_message_limit_is_1024():
    ev = admin_policy_event(60, sid_padding=40)
    ev["stackId"] = ""  # Cloud Control API callers have no stack
    response = cfn_hook.handler(ev, None)
    assert response["errorCode"] == "NonCompliant"
    assert len(response["message"]) <= 1024
    assert response["message"].splitlines()[-1].startswith("... and ")


def test_message_stays_within_4096_and_says_how_many_are_left_out():
    response = cfn_hook.handler(admin_policy_event(200), None)
    assert response["errorCode"] == "NonCompliant"
    lines = response["message"].splitlines()
    assert 3000 < len(response["message"]) <= 4096
    assert lines[0] == "iacguard: 200 blocking findings at fail-on high"
    assert all(line.startswith("[IAG-LP-001]: ") and " [FIX]: " in line for line in lines[1:-1])
    shown = len(lines) - 2
    assert lines[-1] == f"... and {200 - shown} more"
    assert len(response["annotations"]) == cfn_hook.MAX_ANNOTATIONS


def test_one_huge_finding_is_cut_not_dropped():
    response = cfn_hook.handler(admin_policy_event(1, sid_padding=5000), None)
    assert len(response["message"]) <= 4096 and "[IAG-LP-001]: " in response["message"]


def test_deploying_account_and_stack_become_pseudo_parameters():
    context = cfn_hook.deployment_context(event("stack.json"))
    assert context == {"AWS::AccountId": "111122223333", "AWS::Partition": "aws", "AWS::Region": "eu-west-1",
                       "AWS::StackName": "reports-stack",
                       "AWS::StackId": event("stack.json")["stackId"]}
    assert cfn_hook.deployment_context({"awsAccountId": "12", "stackId": "nonsense"}) == {}


def test_fail_on_from_environment(monkeypatch):
    monkeypatch.setenv("IACGUARD_FAIL_ON", "none")
    assert cfn_hook.handler(event("resource_bucket_policy.json"), None)["hookStatus"] == "SUCCESS"
    monkeypatch.setenv("IACGUARD_FAIL_ON", "bogus")
    response = cfn_hook.handler(event("resource_bucket_policy.json"), None)
    assert response["errorCode"] == "InternalFailure" and "IACGUARD_FAIL_ON" in response["message"]


def test_settings_from_environment_disable_a_check(monkeypatch):
    monkeypatch.setenv("IACGUARD_SETTINGS", "disable: [IAG-EXT-001, external-access]")
    assert cfn_hook.handler(event("resource_bucket_policy.json"), None)["hookStatus"] == "SUCCESS"
    monkeypatch.setenv("IACGUARD_SETTINGS", "no_such_setting: 1")
    assert cfn_hook.handler(event("resource_bucket_policy.json"), None)["errorCode"] == "InternalFailure"


# -- STACK and CHANGE_SET targets ----------------------------------------------------------------

def test_stack_target_evaluates_the_whole_template(s3):
    url = s3("/stack/bad", {"template": STACK_BAD, "previousTemplate": ""})
    response = cfn_hook.handler(with_payload("stack.json", url), None)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant", response
    # the policy's finding names the role it is attached to elsewhere in the template
    assert "[IAG-LP-001]: " in response["message"] and "DeployRole" in response["message"]
    assert response["clientRequestToken"] == "4e8d0a77-1b2c-4d3e-9f80-a1b2c3d4e5f6"


def test_stack_target_good_template_succeeds(s3):
    url = s3("/stack/good", {"template": STACK_GOOD, "previousTemplate": STACK_BAD})
    response = cfn_hook.handler(with_payload("stack.json", url), None)
    assert response["hookStatus"] == "SUCCESS", response


def test_stack_target_json_template_and_empty_template(s3):
    template = json.dumps({"Resources": {"Everything": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}}})
    response = cfn_hook.handler(with_payload("stack.json", s3("/json", {"template": template})), None)
    assert response["errorCode"] == "NonCompliant"
    response = cfn_hook.handler(with_payload("stack.json", s3("/empty", {"template": "", "previousTemplate": ""})), None)
    assert response["hookStatus"] == "SUCCESS"


def test_change_set_target(s3):
    payload = {"template": STACK_BAD, "changedResources": [
        {"logicalResourceId": "DeployPolicy", "resourceType": "AWS::IAM::Policy", "action": "CREATE",
         "lineNumber": 11, "beforeContext": None,
         "afterContext": json.dumps({"Properties": {"PolicyName": "deploy"}})}]}
    response = cfn_hook.handler(with_payload("change_set.json", s3("/cs", payload)), None)
    assert response["errorCode"] == "NonCompliant" and "[IAG-LP-001]: " in response["message"]
    good = dict(payload, template=STACK_GOOD)
    assert cfn_hook.handler(with_payload("change_set.json", s3("/cs-good", good)), None)["hookStatus"] == "SUCCESS"


QUEUE = """\
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
"""


def test_stack_update_blocks_only_what_the_change_adds(s3):
    """An admin policy the deployed stack already has does not block an unrelated change; the
    message says it is there. A previous template without it makes it block."""
    url = s3("/stack/existing", {"template": STACK_BAD + QUEUE, "previousTemplate": STACK_BAD})
    response = cfn_hook.handler(with_payload("stack.json", url), None)
    assert response["hookStatus"] == "SUCCESS", response
    assert "none new or worse at or above high" in response["message"]
    assert "already in the deployed stack" in response["message"]
    url = s3("/stack/added", {"template": STACK_BAD + QUEUE, "previousTemplate": STACK_GOOD})
    response = cfn_hook.handler(with_payload("stack.json", url), None)
    assert response["errorCode"] == "NonCompliant" and "[IAG-LP-001]: " in response["message"]


def test_stack_update_with_an_unreadable_previous_template_blocks_everything(s3):
    url = s3("/stack/broken-previous", {"template": STACK_BAD, "previousTemplate": "Resources: [\n"})
    assert cfn_hook.handler(with_payload("stack.json", url), None)["errorCode"] == "NonCompliant"


def _change(logical_id: str, action: str, before: dict | None, resource_type: str = "AWS::IAM::Policy") -> dict:
    return {"logicalResourceId": logical_id, "resourceType": resource_type, "action": action,
            "lineNumber": None if action == "DELETE" else 1,
            "beforeContext": json.dumps(before) if before is not None else None, "afterContext": None}


_SCOPED_POLICY = {"Properties": {"PolicyName": "deploy", "Roles": ["DeployRole"], "PolicyDocument": {
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                            "Resource": "arn:aws:s3:::reports/*"}]}}}


def test_change_set_blocks_only_what_it_changes(s3):
    # the admin policy is deployed already; the change set only creates a queue
    unrelated = {"template": STACK_BAD + QUEUE, "changedResources": [
        _change("Queue", "CREATE", None, "AWS::SQS::Queue")]}
    response = cfn_hook.handler(with_payload("change_set.json", s3("/cs-unrelated", unrelated)), None)
    assert response["hookStatus"] == "SUCCESS", response
    assert "already in the deployed stack" in response["message"]
    # the change set widens the deployed policy to everything: blocks
    widened = {"template": STACK_BAD, "changedResources": [_change("DeployPolicy", "UPDATE", _SCOPED_POLICY)]}
    response = cfn_hook.handler(with_payload("change_set.json", s3("/cs-widened", widened)), None)
    assert response["errorCode"] == "NonCompliant" and "[IAG-LP-001]: " in response["message"]
    assert "already in the deployed stack" not in response["message"]


def test_change_set_deleting_a_resource_rebuilds_it_from_its_before_context(s3):
    admin = {"Properties": {"PolicyName": "deploy", "Roles": ["DeployRole"], "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}
    template = STACK_GOOD.replace("DeployPolicy:", "ReadPolicy:")
    payload = {"template": template, "changedResources": [
        _change("DeployPolicy", "DELETE", admin), _change("ReadPolicy", "CREATE", None)]}
    deployed = cfn_hook.deployed_template(template, payload["changedResources"], "cs")
    assert sorted(deployed["Resources"]) == ["DeployPolicy", "DeployRole"]
    assert deployed["Resources"]["DeployPolicy"]["Type"] == "AWS::IAM::Policy"
    response = cfn_hook.handler(with_payload("change_set.json", s3("/cs-delete", payload)), None)
    assert response["hookStatus"] == "SUCCESS", response


@pytest.mark.parametrize("changes", [
    [_change("DeployPolicy", "UPDATE", None)],             # no beforeContext to undo the update
    [{"logicalResourceId": "DeployPolicy", "action": "IMPORT"}],  # an action we cannot undo
    "not a list",
])
def test_change_set_that_cannot_be_undone_blocks_everything(s3, changes):
    payload = {"template": STACK_BAD + QUEUE, "changedResources": changes}
    assert cfn_hook.deployed_template(payload["template"], changes, "cs") is None
    response = cfn_hook.handler(with_payload("change_set.json", s3("/cs-unknown", payload)), None)
    assert response["errorCode"] == "NonCompliant" and "[IAG-LP-001]: " in response["message"]


def test_change_set_before_context_scalars_are_strings(s3):
    """beforeContext stringifies numbers and booleans; the rebuilt policy still matches."""
    before = {"Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
            "Bool": {"aws:SecureTransport": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}]}}}
    template = """\
Resources:
  Everything:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: '*'
            Resource: '*'
            Condition:
              Bool: {aws:SecureTransport: true}
              NumericLessThan: {aws:MultiFactorAuthAge: 3600}
""" + QUEUE
    payload = {"template": template, "changedResources": [
        _change("Queue", "CREATE", None, "AWS::SQS::Queue"),
        _change("Everything", "UPDATE", before, "AWS::IAM::ManagedPolicy")]}
    response = cfn_hook.handler(with_payload("change_set.json", s3("/cs-strings", payload)), None)
    assert response["hookStatus"] == "SUCCESS", response
    assert "already in the deployed stack" in response["message"]


def test_change_set_rebuilt_references_that_no_longer_match_still_block(s3):
    """beforeContext holds resolved values (a role's physical name where the template has
    !Ref): when the deployed finding cannot be matched for sure, it blocks."""
    before = {"Properties": {"PolicyName": "deploy", "Roles": ["stack-DeployRole-1A2B3C"], "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}
    payload = {"template": STACK_BAD + QUEUE, "changedResources": [
        _change("Queue", "CREATE", None, "AWS::SQS::Queue"), _change("DeployPolicy", "UPDATE", before)]}
    response = cfn_hook.handler(with_payload("change_set.json", s3("/cs-physical", payload)), None)
    assert response["errorCode"] == "NonCompliant"


def test_sam_stack_payload_is_expanded(s3):
    template = (ROOT / "tests" / "fixtures" / "integrations" / "sam_app.yaml").read_text()
    response = cfn_hook.handler(with_payload("stack.json", s3("/sam", {"template": template})), None)
    assert response["errorCode"] == "NonCompliant"
    assert "WorkerRole" in response["message"]


@pytest.mark.parametrize("payload, status, headers, fragment", [
    (b"not json", 200, {}, "not JSON"),
    (b"[1, 2]", 200, {}, "not a JSON object"),
    (json.dumps({"previousTemplate": "x"}).encode(), 200, {}, "no template"),
    (json.dumps({"template": "Resources: [unclosed"}).encode(), 200, {}, "could not read"),
    (json.dumps({"template": "just: yaml"}).encode(), 200, {}, "not a CloudFormation template"),
    (b"denied", 403, {}, "HTTP 403"),
    (b"", 302, {"Location": "https://evil.example/steal"}, "redirect"),
])
def test_payload_problems_are_internal_failures(s3, payload, status, headers, fragment):
    url = s3("/p", payload, status, headers)
    response = cfn_hook.handler(with_payload("stack.json", url), None)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "InternalFailure"
    assert fragment in response["message"]
    assert response["clientRequestToken"] == "4e8d0a77-1b2c-4d3e-9f80-a1b2c3d4e5f6"


def test_payload_timeout_is_an_internal_failure(monkeypatch):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    monkeypatch.setattr(cfn_hook, "_TEST_ALLOW_LOOPBACK_HTTP", True)
    monkeypatch.setenv("IACGUARD_PAYLOAD_TIMEOUT", "0.5")
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
        response = cfn_hook.handler(with_payload("stack.json", url), None)
    finally:
        listener.close()
    assert response["errorCode"] == "InternalFailure" and "download failed" in response["message"]


@pytest.mark.parametrize("url, allowed", [
    ("https://hooks-bucket.s3.eu-west-1.amazonaws.com/x?X-Amz-Signature=1", True),
    ("https://s3.amazonaws.com/bucket/x", True),
    ("https://bucket.s3.cn-north-1.amazonaws.com.cn/x", True),
    ("https://hooks-bucket.s3.amazonaws.com:443/x", True),
    ("http://hooks-bucket.s3.eu-west-1.amazonaws.com/x", False),      # plain http
    ("https://amazonaws.com.evil.example/x", False),
    ("https://evilamazonaws.com/x", False),
    ("https://s3.amazonaws.com@evil.example/x", False),
    ("https://user:pw@bucket.s3.amazonaws.com/x", False),
    ("https://bucket.s3.amazonaws.com:8443/x", False),
    ("http://127.0.0.1:8000/x", False),                                 # loopback only behind the test switch
    ("file:///etc/passwd", False),
    ("", False),
    (None, False),
])
def test_payload_url_policy(url, allowed):
    assert cfn_hook._TEST_ALLOW_LOOPBACK_HTTP is False
    if allowed:
        assert cfn_hook.check_payload_url(url) == url
    else:
        with pytest.raises(cfn_hook.HookInputError):
            cfn_hook.check_payload_url(url)


def test_non_aws_payload_url_is_never_fetched():
    response = cfn_hook.handler(with_payload("stack.json", "https://example.com/template.json"), None)
    assert response["errorCode"] == "InternalFailure" and "not an AWS host" in response["message"]


@pytest.mark.parametrize("bad_event", [
    None, [], "text", {}, {"requestData": None}, {"requestData": {"targetName": "AWS::IAM::Role"}},
    {"clientRequestToken": 12, "requestData": {"targetName": "AWS::IAM::Role", "targetModel": {
        "resourceProperties": ["not", "a", "mapping"]}}},
    {"requestData": {"targetName": "Weird", "targetModel": {"resourceProperties": {}}}},
    {"requestData": {"targetName": "STACK"}},
    {"requestData": {"targetName": "AWS::IAM::Policy", "targetModel": {"resourceProperties": {
        "PolicyDocument": {"Statement": {"Effect": ["?"], "Action": {"x": 1}}}}}}},
])
def test_malformed_events_answer_instead_of_raising(bad_event):
    response = cfn_hook.handler(bad_event, None)
    assert response["hookStatus"] in ("FAILED", "SUCCESS")
    if response["hookStatus"] == "FAILED":
        assert response["errorCode"] in ("InternalFailure", "NonCompliant")
    assert isinstance(response["clientRequestToken"], str)
    assert len(response["message"]) <= 4096


def test_internal_errors_are_internal_failures(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(cfn_hook, "_resource_result", boom)
    response = cfn_hook.handler(event("resource_bucket_policy.json"), None)
    assert response == {"hookStatus": "FAILED", "errorCode": "InternalFailure",
                        "message": "iacguard could not evaluate this request: RuntimeError: model exploded",
                        "clientRequestToken": "9b2f6c1e-2d7a-4f0e-8a51-3c4d5e6f7a80"}


# -- the deployable template -----------------------------------------------------------------------

TEMPLATE = ROOT / "integrations" / "cloudformation-hook" / "template.yaml"


def test_hook_template_shape():
    from iacguard.loaders.cloudformation import parse_document

    data = parse_document(TEMPLATE.read_text(), "template.yaml")
    resources = data["Resources"]
    types = {body["Type"] for body in resources.values()}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::CloudFormation::LambdaHook"} <= types
    hook = next(b for b in resources.values() if b["Type"] == "AWS::CloudFormation::LambdaHook")["Properties"]
    assert set(hook["TargetOperations"]) == {"RESOURCE", "STACK", "CHANGE_SET", "CLOUD_CONTROL"}
    assert {"Alias", "ExecutionRole", "FailureMode", "HookStatus", "LambdaFunction"} <= set(hook)
    names = hook["TargetFilters"]["TargetNames"]
    # CloudFormation Hooks take at most 50 target names, each Service::Type with wildcards
    assert "AWS::IAM::*" in names and len(names) <= 50 and len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9*]{1,64}::[A-Za-z0-9*]{1,64}::[A-Za-z0-9*]{1,64}", n) for n in names)
    # the list is generated from the catalogue (python -m iacguard.catalogue hook-targets --write)
    from iacguard import catalogue

    assert names == catalogue.hook_targets(), "run: python -m iacguard.catalogue hook-targets --write"
    # every CloudFormation type the model reads a principal, policy, share or credential from is a
    # target, the tables the model and the analyses use included
    import fnmatch

    from iacguard.iam import model, sharing

    modelled = {t for table in (model.RESOURCE_POLICY_TYPES, model.LAMBDA_PERMISSION_TYPES,
                                model.EVENT_BUS_PERMISSION_TYPES, sharing.SHARING_TYPES, model.PRINCIPAL_TYPES,
                                model.INLINE_POLICY_TYPES, model.MANAGED_POLICY_TYPES, model.SCP_TYPES,
                                model.PERMISSION_SET_TYPES, model.ACCESS_KEY_TYPES, model.LOGIN_PROFILE_BLOCKS,
                                model.MEMBERSHIP_TYPES, model.ATTACHMENT_TYPES, model.INSTANCE_PROFILE_TYPES)
                for t in table if t.startswith("AWS::")}
    assert modelled <= set(catalogue.hook_types())
    assert not [t for t in catalogue.hook_types() if not any(fnmatch.fnmatchcase(t, n) for n in names)]
    function = next(b for b in resources.values() if b["Type"] == "AWS::Lambda::Function")["Properties"]
    assert function["Handler"] == "iacguard.integrations.cfn_hook.handler"
    assert function["Timeout"] < 30  # the hook waits 30 s


def test_hook_template_passes_iacguard_itself():
    proc = run_cli("scan", str(TEMPLATE.parent), "--format", "json", "--fail-on", "low")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"] == [] and report["errors"] == [] and report["not_analysed"] == []
    summary = report["summary"]
    assert (summary["files_scanned"], summary["blocking"], summary["unresolved"]) == (1, 0, 0)


# -- the template's parameters, as the function sees them -------------------------------------------

LONGEST_STACK_ID_UUID = "0d1e2f30-aaaa-bbbb-cccc-001122334455"


def template_data() -> dict:
    from iacguard.loaders.cloudformation import parse_document

    return parse_document(TEMPLATE.read_text(), "template.yaml")


def template_parameters(**overrides: str) -> dict:
    """Every parameter's value: its default, the required ones filled with valid values."""
    required = {"CodeBucketPrefix": "acme-iacguard-artifacts", "CodeVersion": "0.6.0",
                "CodeSha256": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="}
    values = {name: spec.get("Default") for name, spec in template_data()["Parameters"].items()}
    values.update(required)
    values.update(overrides)
    missing = [name for name, value in values.items() if value is None]
    assert not missing, f"test has no value for required parameters {missing}"
    return values


def resolved(value, parameters: dict, pseudo: dict):
    from iacguard.loaders.cfn_intrinsics import TemplateResolver

    errors: list = []
    result = TemplateResolver(template_data(), "template.yaml", errors, parameters=parameters,
                              pseudo=pseudo).resolve_value(value)
    assert not errors, errors
    return result


def function_environment(**overrides: str) -> dict[str, str]:
    """The Lambda environment the template gives the function for these parameter values."""
    function = template_data()["Resources"]["Function"]["Properties"]
    pseudo = {"AWS::AccountId": "111122223333", "AWS::Region": "eu-west-1", "AWS::StackName": "iacguard-hook",
              "AWS::StackId": f"arn:aws:cloudformation:eu-west-1:111122223333:stack/iacguard-hook/{LONGEST_STACK_ID_UUID}"}
    environment = resolved(function["Environment"]["Variables"], template_parameters(**overrides), pseudo)
    assert all(isinstance(v, str) for v in environment.values()), environment
    return dict(environment)


@pytest.fixture
def deployed(monkeypatch):
    """``deployed(**parameters)`` sets the function's environment as the template would."""
    def apply(**overrides: str) -> dict[str, str]:
        for name in [n for n in os.environ if n.startswith("IACGUARD_")]:
            monkeypatch.delenv(name)
        environment = function_environment(**overrides)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return environment
    return apply


def test_template_defaults_reach_the_function(deployed):
    assert deployed() == {
        "IACGUARD_FAIL_ON": "high", "IACGUARD_BLOCK_CHECKS": "IAG-LP-001,IAG-LP-002,IAG-LP-003,IAG-GR-001",
        "IACGUARD_ENABLE": "ALL", "IACGUARD_DISABLE": "NONE", "IACGUARD_ORGANIZATION_ID": "",
        "IACGUARD_TRUSTED_ACCOUNTS": "NONE", "IACGUARD_PAYLOAD_TIMEOUT": "10"}
    # the handler's own default is the template's
    assert ",".join(cfn_hook.DEFAULT_BLOCK_CHECKS) == deployed()["IACGUARD_BLOCK_CHECKS"]


def _bucket_policy_event(statement: dict) -> dict:
    ev = event("resource_bucket_policy.json")
    ev["requestData"]["targetModel"]["resourceProperties"]["PolicyDocument"]["Statement"] = [statement]
    return ev


_OTHER_ACCOUNT_READS = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports-111122223333/*"}
_ORG_READS = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
              "Resource": "arn:aws:s3:::acme-reports-111122223333/*",
              "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}


def _verdict(ev: dict) -> tuple[str, list[str]]:
    response = cfn_hook.handler(ev, None)
    return response["hookStatus"], [a["annotationName"] for a in response.get("annotations", [])]


def test_trusted_accounts_parameter_changes_the_verdict(deployed):
    deployed()
    assert _verdict(_bucket_policy_event(_OTHER_ACCOUNT_READS)) == ("FAILED", ["IAG-EXT-002"])
    deployed(TrustedAccounts="444455556666,777788889999")
    assert _verdict(_bucket_policy_event(_OTHER_ACCOUNT_READS)) == ("SUCCESS", [])


def test_organization_id_parameter_changes_the_verdict(deployed):
    # a bucket shared with "the organisation o-abc123def4": inside the zone of trust only when
    # that is the organisation the hook is deployed for
    deployed(FailOn="low", OrganizationId="o-zzzzzzzzzz")
    assert _verdict(_bucket_policy_event(_ORG_READS)) == ("FAILED", ["IAG-EXT-002"])
    deployed(FailOn="low", OrganizationId="o-abc123def4")
    assert _verdict(_bucket_policy_event(_ORG_READS)) == ("SUCCESS", [])


def test_fail_on_parameter_changes_the_verdict(deployed):
    deployed(FailOn="high")
    assert _verdict(_bucket_policy_event(_OTHER_ACCOUNT_READS))[0] == "FAILED"  # IAG-EXT-002 is high
    deployed(FailOn="critical")
    assert _verdict(_bucket_policy_event(_OTHER_ACCOUNT_READS)) == ("SUCCESS", [])


@pytest.mark.parametrize("parameters", [{"DisabledChecks": "IAG-EXT-002"}, {"DisabledChecks": "external-access"},
                                        {"EnabledChecks": "least-privilege,IAG-GR-001"}])
def test_enabled_and_disabled_checks_parameters_change_the_verdict(deployed, parameters):
    deployed(**parameters)
    assert _verdict(_bucket_policy_event(_OTHER_ACCOUNT_READS)) == ("SUCCESS", [])


def test_parameters_apply_on_top_of_iacguard_settings(deployed, monkeypatch):
    deployed()  # EnabledChecks ALL: the settings' own enable list stays
    monkeypatch.setenv("IACGUARD_SETTINGS", "enable: [least-privilege]")
    assert _verdict(_bucket_policy_event(_OTHER_ACCOUNT_READS)) == ("SUCCESS", [])
    deployed(TrustedAccounts="777788889999")
    monkeypatch.setenv("IACGUARD_SETTINGS", "trusted_accounts: ['444455556666']")
    assert _verdict(_bucket_policy_event(_OTHER_ACCOUNT_READS)) == ("SUCCESS", [])


@pytest.mark.parametrize("parameter, value, fragment", [
    ("BlockChecks", "IAG-LP-999", "IACGUARD_BLOCK_CHECKS: unknown check or family 'IAG-LP-999'"),
    ("DisabledChecks", "IAG-XX-001", "unknown check or family 'IAG-XX-001'"),
    ("EnabledChecks", "least-privilage", "unknown check or family 'least-privilage'"),
])
def test_misspelt_check_parameters_are_internal_failures(deployed, parameter, value, fragment):
    """A typo would otherwise be a guardrail that silently never blocks."""
    deployed(**{parameter: value})
    response = cfn_hook.handler(event("resource_bucket_policy.json"), None)
    assert response["errorCode"] == "InternalFailure" and fragment in response["message"], response


@pytest.mark.parametrize("name, value", [("IACGUARD_ORGANIZATION_ID", "org-1"),
                                         ("IACGUARD_TRUSTED_ACCOUNTS", "12345")])
def test_malformed_zone_of_trust_is_an_internal_failure(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    response = cfn_hook.handler(event("resource_bucket_policy.json"), None)
    assert response["errorCode"] == "InternalFailure" and name in response["message"]


# -- Control Tower's proactive IAM controls block at the template's defaults ------------------------

_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _doc(**statement) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}


_ADMIN = _doc(Action="*", Resource="*")
_S3_ALL_ON_ONE_BUCKET = _doc(Action=["s3:*"], Resource="arn:aws:s3:::reports/*")
_NOT_ACTION = _doc(NotAction="s3:DeleteBucket", Resource="arn:aws:s3:::reports")
_READ = _doc(Action="s3:GetObject", Resource="arn:aws:s3:::reports/*")

CT_IAM_VIOLATIONS = [
    # (control, resource type, properties, the iacguard check that blocks it)
    ("CT.IAM.PR.1", "AWS::IAM::Policy", {"PolicyName": "p", "Roles": ["app"], "PolicyDocument": _ADMIN}, "IAG-LP-001"),
    ("CT.IAM.PR.1", "AWS::IAM::Role", {"AssumeRolePolicyDocument": _TRUST,
                                       "Policies": [{"PolicyName": "p", "PolicyDocument": _ADMIN}]}, "IAG-LP-001"),
    ("CT.IAM.PR.1", "AWS::IAM::Group", {"Policies": [{"PolicyName": "p", "PolicyDocument": _ADMIN}]}, "IAG-LP-001"),
    ("CT.IAM.PR.2", "AWS::IAM::ManagedPolicy", {"PolicyDocument": _ADMIN}, "IAG-LP-001"),
    ("CT.IAM.PR.3", "AWS::IAM::ManagedPolicy", {"PolicyDocument": _S3_ALL_ON_ONE_BUCKET}, "IAG-LP-002"),
    ("CT.IAM.PR.3", "AWS::IAM::ManagedPolicy", {"PolicyDocument": _doc(Action="s3*", Resource="*")}, "IAG-LP-002"),
    ("CT.IAM.PR.3", "AWS::IAM::ManagedPolicy", {"PolicyDocument": _NOT_ACTION}, "IAG-LP-003"),
    ("CT.IAM.PR.4", "AWS::IAM::User", {"Policies": [{"PolicyName": "p", "PolicyDocument": _READ}]}, "IAG-GR-001"),
    ("CT.IAM.PR.4", "AWS::IAM::User", {"ManagedPolicyArns": ["arn:aws:iam::111122223333:policy/read"]}, "IAG-GR-001"),
    ("CT.IAM.PR.4", "AWS::IAM::Policy", {"PolicyName": "p", "Users": ["alice"], "PolicyDocument": _READ}, "IAG-GR-001"),
    ("CT.IAM.PR.4", "AWS::IAM::ManagedPolicy", {"Users": ["alice"], "PolicyDocument": _READ}, "IAG-GR-001"),
    ("CT.IAM.PR.5", "AWS::IAM::Role", {"AssumeRolePolicyDocument": _TRUST, "Policies": [
        {"PolicyName": "p", "PolicyDocument": _S3_ALL_ON_ONE_BUCKET}]}, "IAG-LP-002"),
    ("CT.IAM.PR.5", "AWS::IAM::Group", {"Policies": [{"PolicyName": "p", "PolicyDocument": _S3_ALL_ON_ONE_BUCKET}]},
     "IAG-LP-002"),
    ("CT.IAM.PR.5", "AWS::IAM::Policy", {"PolicyName": "p", "Roles": ["app"], "PolicyDocument": _NOT_ACTION},
     "IAG-LP-003"),
]


def _resource_event(resource_type: str, properties: dict) -> dict:
    ev = event("resource_bucket_policy.json")
    ev["requestData"].update(targetName=resource_type, targetType=resource_type, targetLogicalId="Subject")
    ev["requestData"]["targetModel"]["resourceProperties"] = properties
    return ev


@pytest.mark.parametrize("control, resource_type, properties, check", CT_IAM_VIOLATIONS,
                         ids=[f"{c}-{t.split('::')[-1]}-{i}" for i, (c, t, _, _) in enumerate(CT_IAM_VIOLATIONS)])
def test_control_tower_iam_controls_block_at_the_defaults(deployed, control, resource_type, properties, check):
    deployed()
    response = cfn_hook.handler(_resource_event(resource_type, properties), None)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant", response
    assert check in [a["annotationName"] for a in response["annotations"]]
    assert f"[{check}]: " in response["message"]


@pytest.mark.parametrize("resource_type, properties", [
    ("AWS::IAM::ManagedPolicy", {"PolicyDocument": _READ}),
    ("AWS::IAM::ManagedPolicy", {"PolicyDocument": _doc(Action="ec2:Describe*", Resource="*")}),  # prefix wildcard
    ("AWS::IAM::User", {"UserName": "alice"}),
])
def test_what_control_tower_allows_passes_at_the_defaults(deployed, resource_type, properties):
    deployed()
    assert cfn_hook.handler(_resource_event(resource_type, properties), None)["hookStatus"] == "SUCCESS"


def test_block_checks_block_below_fail_on_and_none_turns_that_off(deployed):
    user = _resource_event("AWS::IAM::User", {"Policies": [{"PolicyName": "p", "PolicyDocument": _READ}]})
    deployed()
    response = cfn_hook.handler(user, None)
    assert response["message"].splitlines()[0] == \
        "iacguard: 1 blocking findings at fail-on high (IAG-GR-001 block at any severity)"
    assert response["annotations"][0]["severityLevel"] == "MEDIUM"
    deployed(BlockChecks="NONE")
    assert cfn_hook.handler(user, None)["hookStatus"] == "SUCCESS"
    deployed(BlockChecks="guardrails")  # a family
    assert cfn_hook.handler(user, None)["errorCode"] == "NonCompliant"


def test_block_checks_do_not_block_what_the_deployed_stack_already_had(s3, deployed):
    deployed()
    user = """\
  Alice:
    Type: AWS::IAM::User
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
"""
    url = s3("/stack/user", {"template": STACK_GOOD + user + QUEUE, "previousTemplate": STACK_GOOD + user})
    response = cfn_hook.handler(with_payload("stack.json", url), None)
    assert response["hookStatus"] == "SUCCESS", response
    url = s3("/stack/user-new", {"template": STACK_GOOD + user, "previousTemplate": STACK_GOOD})
    assert "[IAG-GR-001]: " in cfn_hook.handler(with_payload("stack.json", url), None)["message"]


# -- Cloud Control API requests (TargetOperations CLOUD_CONTROL) ---------------------------------------

def test_cloud_control_request_is_judged_like_a_resource(deployed):
    deployed()
    response = cfn_hook.handler(event("cloud_control_role.json"), None)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant", response
    assert response["clientRequestToken"] == "7f3e2d1c-5b4a-4c3d-8e9f-0a1b2c3d4e5f"
    assert response["message"].splitlines()[1].startswith("[IAG-LP-002]: ")
    assert len(response["message"]) <= 1024


def test_cloud_control_request_without_stack_keys_and_with_string_properties(deployed):
    deployed()
    ev = event("cloud_control_role.json")
    del ev["stackId"], ev["changeSetId"]
    model = ev["requestData"]["targetModel"]
    model["resourceProperties"] = json.dumps(model["resourceProperties"])
    assert cfn_hook.handler(ev, None)["errorCode"] == "NonCompliant"
    policy = json.loads(model["resourceProperties"])
    policy["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] = "s3:GetObject"
    model["resourceProperties"] = policy
    response = cfn_hook.handler(ev, None)
    assert response["hookStatus"] == "SUCCESS", response


def test_cloud_control_delete_is_not_evaluated(deployed):
    deployed()
    ev = event("cloud_control_role.json")
    ev["actionInvocationPoint"] = "DELETE_PRE_PROVISION"
    ev["requestData"]["targetModel"]["resourceProperties"] = {}
    assert cfn_hook.handler(ev, None)["hookStatus"] == "SUCCESS"


# -- names, for the longest stack name a StackSet instance can have --------------------------------

# Documented limits of every name (and name-like text) the template gives. The keys are
# (resource type, property path; [] = each item of a list).
NAME_LIMITS = {
    ("AWS::Logs::LogGroup", "LogGroupName"): 512,
    ("AWS::IAM::Role", "RoleName"): 64,
    ("AWS::IAM::Role", "Policies[].PolicyName"): 128,
    ("AWS::IAM::Role", "Description"): 1000,
    ("AWS::Lambda::Function", "FunctionName"): 64,
    ("AWS::Lambda::Function", "Description"): 256,
    ("AWS::Lambda::Function", "Code.S3Bucket"): 63,
    ("AWS::Lambda::Function", "Code.S3Key"): 1024,
    ("AWS::Lambda::Version", "Description"): 256,
    ("AWS::CloudFormation::LambdaHook", "StackFilters.StackNames.Exclude[]"): 128,
    # the hook type name: three parts of 2 to 64 letters and digits (HOOK_TYPE_NAME below)
    ("AWS::CloudFormation::LambdaHook", "Alias"): 3 * 64 + 4,
}
HOOK_TYPE_NAME = re.compile(r"(?![Aa][Ww][Ss])[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}")
# References to a resource of this template (checked where that resource is named)
NAME_REFERENCES = {("AWS::Lambda::Version", "FunctionName"), ("AWS::Lambda::Function", "LoggingConfig.LogGroup")}
_NAME_LIKE = re.compile(r"(Name|Names|Alias|Bucket|Key|Description|LogGroup)$")


def _intrinsic(value) -> bool:
    return isinstance(value, dict) and any(k == "Ref" or k.startswith("Fn::") for k in value)


def _name_values(value, path: str = ""):
    """(path, value) of each name-like property under ``value``: every value below a key that
    ends like a name, lists item by item."""
    if isinstance(value, dict) and not _intrinsic(value):
        for key, inner in value.items():
            if key in ("PolicyDocument", "AssumeRolePolicyDocument", "TargetFilters", "Environment"):
                continue  # policies, hook targets and settings, not names
            sub = f"{path}.{key}" if path else key
            yield from (_names_below(inner, sub) if _NAME_LIKE.search(key) else _name_values(inner, sub))
    elif isinstance(value, list):
        for item in value:
            yield from _name_values(item, path + "[]")


def _names_below(value, path: str):
    if isinstance(value, list):
        for item in value:
            yield from _names_below(item, path + "[]")
    elif isinstance(value, dict) and not _intrinsic(value):
        for key, inner in value.items():
            yield from _names_below(inner, f"{path}.{key}")
    else:
        yield path, value


def _longest_region() -> str:
    from cfnlint.helpers import REGIONS  # cfn-lint's list of every Region, in the test extra

    return max(REGIONS, key=len)


def _longest_parameters() -> dict:
    """Each free-text parameter at the longest value its MaxLength/AllowedPattern allows."""
    return template_parameters(NamePrefix="n" * 32, CodeBucketPrefix="b" * 47, CodeVersion="v" * 64,
                               HookAlias="::".join(["A" + "b" * 63] * 3))


def test_every_name_fits_for_the_longest_stack_set_instance():
    from iacguard.values import Ref

    region = _longest_region()
    assert len(region) >= len("us-isof-south-1")
    uuid = LONGEST_STACK_ID_UUID
    # a StackSet instance's stack: StackSet-<stack set name>-<uuid>, at the 128-character limit
    stack_name = "StackSet-" + "s" * (128 - len("StackSet-") - 1 - len(uuid)) + "-" + uuid
    assert len(stack_name) == 128
    pseudo = {"AWS::AccountId": "111122223333", "AWS::Region": region, "AWS::Partition": "aws",
              "AWS::StackName": stack_name,
              "AWS::StackId": f"arn:aws:cloudformation:{region}:111122223333:stack/{stack_name}/{uuid}"}
    parameters = _longest_parameters()
    data = template_data()
    # the parameters' own limits hold the values used here
    for name in ("NamePrefix", "CodeBucketPrefix", "CodeVersion", "HookAlias"):
        spec = data["Parameters"][name]
        assert len(parameters[name]) <= spec.get("MaxLength", 4096)
        assert re.fullmatch(spec["AllowedPattern"].strip("^$"), parameters[name]), name
    checked = set()
    for logical_id, body in data["Resources"].items():
        for path, raw in _name_values(body.get("Properties", {})):
            key = (body["Type"], path)
            if key in NAME_REFERENCES:
                assert isinstance(resolved(raw, parameters, pseudo), Ref), (logical_id, path)
                continue
            assert key in NAME_LIMITS, f"{logical_id}.{path}: a name without a documented limit in NAME_LIMITS"
            value = resolved(raw, parameters, pseudo)
            assert isinstance(value, str), (logical_id, path, value)
            assert 1 <= len(value) <= NAME_LIMITS[key], f"{logical_id}.{path} is {len(value)} long: {value}"
            if path == "Alias":
                assert HOOK_TYPE_NAME.fullmatch(value), value
            checked.add(key)
    assert checked == set(NAME_LIMITS), sorted(set(NAME_LIMITS) - checked)
    # the names, for the record (short: from the stack id, not the stack name)
    function = resolved(data["Resources"]["Function"]["Properties"]["FunctionName"], parameters, pseudo)
    assert function == "n" * 32 + "-0d1e2f30"
    role = resolved(data["Resources"]["HookExecutionRole"]["Properties"]["RoleName"], parameters, pseudo)
    assert role == f"{'n' * 32}-0d1e2f30-{region}-hook" and len(role) <= 64
    bucket = resolved(data["Resources"]["Function"]["Properties"]["Code"]["S3Bucket"], parameters, pseudo)
    assert bucket == f"{'b' * 47}-{region}" and len(bucket) <= 63


def test_hook_alias_parameter_admits_only_valid_type_names():
    """The alias (hook type name) is a parameter: three parts of 2 to 64 letters and digits, not
    starting with AWS in any case."""
    pattern = template_data()["Parameters"]["HookAlias"]["AllowedPattern"]
    assert re.fullmatch(pattern, template_parameters()["HookAlias"])
    assert re.fullmatch(pattern, "::".join(["A" + "b" * 63] * 3))
    for bad in ["AWS::Security::IacGuard", "aws::Security::IacGuard", "Aws::A::B", "Private::Security",
                "Private::S::IacGuard", "::".join(["A" + "b" * 64] * 3), "Private::Secu-rity::IacGuard"]:
        assert not re.fullmatch(pattern, bad), bad


def test_hook_template_passes_cfn_lint():
    """Real cfn-lint (the test extra), every rule, on the template(s) in the integration."""
    import subprocess
    import sys

    templates = sorted(str(p) for p in TEMPLATE.parent.glob("*.yaml"))
    # cfn-lint's console entry point, in this interpreter
    run = "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())"
    proc = subprocess.run([sys.executable, "-c", run, "--", *templates], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_readme_scp_protects_what_the_template_names():
    """The SCP in the README denies changes to the names the template gives at the defaults,
    for a StackSet instance, to everyone but the StackSets execution role; its JSON parses."""
    import fnmatch

    readme = (TEMPLATE.parent / "README.md").read_text()
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", readme, re.S)]
    scp = next(b for b in blocks if any(s.get("Sid") == "ProtectIacguardHookFunction" for s in b["Statement"]))
    statements = {s["Sid"]: s for s in scp["Statement"]}
    for statement in statements.values():
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": "arn:*:iam::*:role/stacksets-exec-*"}}
    region, uuid = "eu-west-1", LONGEST_STACK_ID_UUID
    stack = f"StackSet-iacguard-hook-{uuid}"
    pseudo = {"AWS::AccountId": "111122223333", "AWS::Region": region, "AWS::StackName": stack,
              "AWS::StackId": f"arn:aws:cloudformation:{region}:111122223333:stack/{stack}/{uuid}"}
    resources = template_data()["Resources"]
    parameters = template_parameters()

    def name(logical_id: str, prop: str) -> str:
        return resolved(resources[logical_id]["Properties"][prop], parameters, pseudo)

    alias = parameters["HookAlias"].replace("::", "-")
    protected = {
        "ProtectIacguardHookStack": f"arn:aws:cloudformation:{region}:111122223333:stack/{stack}/{uuid}",
        "ProtectIacguardHookFunction": f"arn:aws:lambda:{region}:111122223333:function:{name('Function', 'FunctionName')}",
        "ProtectIacguardHookRoles": f"arn:aws:iam::111122223333:role/{name('FunctionRole', 'RoleName')}",
        "ProtectIacguardHookType": f"arn:aws:cloudformation:{region}:111122223333:type/hook/{alias}",
        "ProtectIacguardHookLogs": f"arn:aws:logs:{region}:111122223333:log-group:"
                                   f"{name('FunctionLogGroup', 'LogGroupName')}",
    }
    for sid, arn in protected.items():
        assert fnmatch.fnmatchcase(arn, statements[sid]["Resource"]), (sid, arn)
    assert fnmatch.fnmatchcase(f"arn:aws:iam::111122223333:role/{name('HookExecutionRole', 'RoleName')}",
                               statements["ProtectIacguardHookRoles"]["Resource"])
    # what would switch the guardrail off is denied
    assert {"lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "lambda:DeleteFunction"} \
        <= set(statements["ProtectIacguardHookFunction"]["Action"])
    assert {"cloudformation:UpdateStack", "cloudformation:DeleteStack", "cloudformation:ExecuteChangeSet"} \
        <= set(statements["ProtectIacguardHookStack"]["Action"])
    assert {"cloudformation:SetTypeConfiguration", "cloudformation:DeactivateType"} \
        <= set(statements["ProtectIacguardHookType"]["Action"])


def test_code_comes_from_the_regions_bucket_under_a_versioned_key_and_is_hash_checked():
    resources = template_data()["Resources"]
    parameters = template_parameters(CodeBucketPrefix="acme-iacguard", CodeVersion="0.6.0")
    pseudo = {"AWS::Region": "ap-southeast-2", "AWS::AccountId": "111122223333", "AWS::StackName": "iacguard-hook",
              "AWS::StackId": f"arn:aws:cloudformation:ap-southeast-2:111122223333:stack/iacguard-hook/"
                              f"{LONGEST_STACK_ID_UUID}"}
    code = resolved(resources["Function"]["Properties"]["Code"], parameters, pseudo)
    assert code == {"S3Bucket": "acme-iacguard-ap-southeast-2", "S3Key": "iacguard-hook/0.6.0/iacguard-hook.zip"}
    # the hook is created (or changed) only after a version with the expected code hash was published
    check = resources["CodeIntegrityCheck"]
    assert check["Type"] == "AWS::Lambda::Version"
    assert resolved(check["Properties"]["CodeSha256"], parameters, pseudo) == parameters["CodeSha256"]
    assert resolved(check["Properties"]["FunctionName"], parameters, pseudo).target == "Function"
    assert resources["Hook"]["DependsOn"] == "CodeIntegrityCheck"
    # code signing only when a configuration is given
    assert resolved(resources["Function"]["Properties"], parameters, pseudo).get("CodeSigningConfigArn") is None
    signing = "arn:aws:lambda:ap-southeast-2:111122223333:code-signing-config:csc-0123456789abcdefg"
    assert resolved(resources["Function"]["Properties"], dict(parameters, CodeSigningConfigArn=signing),
                    pseudo)["CodeSigningConfigArn"] == signing
