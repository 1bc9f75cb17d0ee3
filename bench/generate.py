"""Generate a deterministic, realistic corpus of Terraform, CloudFormation and plan files.

    python bench/generate.py OUT_DIR --files N [--seed S] [--clean]

Same seed and N give byte-identical files. Layout of OUT_DIR:

    terraform/modules/<name>/*.tf          shared local modules (called as ../modules/<name>)
    terraform/<service>-NNN/*.tf           root modules of 2-5 files, some with policies/*.json
    cloudformation/<team>/*.yaml|*.json    templates (YAML short-form intrinsics, JSON Fn:: forms)
    plans/*.plan.json                      `terraform show -json` plans, format_version 1.2

Most resources are scoped and harmless; a few percent carry the risks a scanner should catch
(admin statements, Principal "*", access keys, wildcard trust). Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

# Share of the file budget per kind (the rest goes to Terraform, incl. policies/*.json).
PLAN_SHARE = 0.05
CFN_SHARE = 0.40
CFN_JSON_SHARE = 0.25  # of the CloudFormation files

# Probabilities of risky content, per resource or statement; most content stays fine.
P_ADMIN_STATEMENT = 0.04      # Action "*" on Resource "*"
P_SERVICE_WILDCARD = 0.06     # e.g. "s3:*" on a scoped resource
P_PUBLIC_PRINCIPAL = 0.05     # Principal "*" without a restricting condition
P_ORG_PRINCIPAL = 0.10        # Principal "*" restricted by aws:PrincipalOrgID (fine)
P_ADMIN_MANAGED = 0.05        # AdministratorAccess attachment
P_ACCESS_KEY = 0.30           # per IAM user
P_WILDCARD_TRUST = 0.02       # trust policy with AWS = "*"
P_CROSS_ACCOUNT_TRUST = 0.15

MIN_LINES, MAX_LINES = 30, 400

SERVICES = ["billing", "orders", "search", "ledger", "catalog", "identity", "payments", "reports",
            "ingest", "notify", "media", "audit", "pricing", "inventory", "shipping", "metrics"]
TEAMS = ["platform", "data", "web", "security", "mobile", "finance"]
WORDS = ["app", "worker", "api", "batch", "etl", "export", "import", "sync", "archive", "events",
         "cache", "stream", "jobs", "logs", "backup", "assets", "uploads", "deploy", "ci", "ops"]
ENVIRONMENTS = ["dev", "staging", "prod"]
TRUST_SERVICES = ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com",
                  "codebuild.amazonaws.com", "states.amazonaws.com", "glue.amazonaws.com"]
SCOPED_MANAGED = ["arn:aws:iam::aws:policy/ReadOnlyAccess",
                  "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                  "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess",
                  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                  "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess",
                  "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]
ADMIN_MANAGED = "arn:aws:iam::aws:policy/AdministratorAccess"
# (service, read actions, write actions, ARN service part)
ACTION_SETS = [
    ("s3", ["s3:GetObject", "s3:ListBucket", "s3:GetObjectVersion"], ["s3:PutObject", "s3:DeleteObject"]),
    ("dynamodb", ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"],
     ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]),
    ("sqs", ["sqs:ReceiveMessage", "sqs:GetQueueAttributes"], ["sqs:SendMessage", "sqs:DeleteMessage"]),
    ("sns", ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"], ["sns:Publish"]),
    ("logs", ["logs:DescribeLogStreams", "logs:GetLogEvents"], ["logs:CreateLogStream", "logs:PutLogEvents"]),
    ("kms", ["kms:Decrypt", "kms:DescribeKey"], ["kms:Encrypt", "kms:GenerateDataKey"]),
    ("secretsmanager", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
     ["secretsmanager:PutSecretValue"]),
    ("ssm", ["ssm:GetParameter", "ssm:GetParametersByPath"], ["ssm:PutParameter"]),
]
RISKY_EXTRA = ["iam:PassRole", "iam:CreateAccessKey", "iam:AttachRolePolicy", "sts:AssumeRole"]

# Principals that look like real ones: broad AWS managed policies, dozens of statements over many
# services with conditions, groups of users, permissions boundaries. They go into the larger files
# only (a file whose line target is at least HEAVY_MIN_LINES), one in HEAVY_SHARE of them.
HEAVY_MIN_LINES = 250
HEAVY_SHARE = 0.5
HEAVY_STATEMENTS = (30, 60)
BROAD_MANAGED = ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/PowerUserAccess",
                 "arn:aws:iam::aws:policy/ReadOnlyAccess"]
BROAD_ACTION_SETS = ACTION_SETS + [
    ("ec2", ["ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets"],
     ["ec2:StartInstances", "ec2:StopInstances", "ec2:CreateTags"]),
    ("lambda", ["lambda:GetFunction", "lambda:ListFunctions"], ["lambda:InvokeFunction", "lambda:UpdateFunctionCode"]),
    ("cloudwatch", ["cloudwatch:GetMetricData", "cloudwatch:DescribeAlarms"], ["cloudwatch:PutMetricData"]),
    ("ecr", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], ["ecr:PutImage", "ecr:InitiateLayerUpload"]),
    ("states", ["states:DescribeExecution", "states:ListExecutions"], ["states:StartExecution"]),
    ("events", ["events:DescribeRule", "events:ListRules"], ["events:PutEvents", "events:PutRule"]),
    ("glue", ["glue:GetTable", "glue:GetDatabase"], ["glue:StartJobRun", "glue:UpdateTable"]),
    ("athena", ["athena:GetQueryResults", "athena:GetQueryExecution"], ["athena:StartQueryExecution"]),
    ("iam", ["iam:GetRole", "iam:ListRoles", "iam:GetPolicy"], ["iam:PassRole", "iam:TagRole"]),
    ("cloudformation", ["cloudformation:DescribeStacks", "cloudformation:ListStacks"],
     ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"]),
]
HEAVY_CONDITIONS = [
    {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci-*"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
    {"StringEquals": {"aws:CalledViaFirst": "cloudformation.amazonaws.com"}},
]


def heavy_statements(rng: random.Random, region: str, account: str, name: str, hcl: bool = False) -> list[dict]:
    """30-60 statements over many services: scoped ARNs, some service wildcards, conditions on a
    third of them, a few Deny and NotAction statements (what long-lived real roles carry).
    ``hcl``: escape IAM policy variables (``$${aws:...}``) so Terraform does not interpolate them."""
    statements: list[dict] = []
    for index in range(rng.randint(*HEAVY_STATEMENTS)):
        service = rng.choice(BROAD_ACTION_SETS)
        word = rng.choice(WORDS)
        statement: dict[str, Any] = {"Sid": f"{service[0].capitalize()}{word.capitalize()}{index}", "Effect": "Allow"}
        roll = rng.random()
        if roll < 0.08:
            statement["Action"] = f"{service[0]}:*"
        elif roll < 0.12:
            statement["Action"] = [f"{service[0]}:Describe*", f"{service[0]}:List*", f"{service[0]}:Get*"]
        else:
            statement["Action"] = pick_actions(rng, service, rng.random() < 0.5)
        if service[0] in ("ec2", "cloudwatch", "iam") or rng.random() < 0.1:
            statement["Resource"] = "*"
        elif service[0] == "s3":
            statement["Resource"] = [f"arn:aws:s3:::{name}-{word}", f"arn:aws:s3:::{name}-{word}/*"]
        else:
            statement["Resource"] = f"arn:aws:{service[0]}:{region}:{account}:{name}-{word}*"
        if rng.random() < 0.05:
            statement = {"Sid": f"DenyOutside{index}", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"],
                         "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": region}}}
        elif rng.random() < 0.33:
            statement["Condition"] = rng.choice(HEAVY_CONDITIONS)
            if hcl:
                statement["Condition"] = json.loads(json.dumps(statement["Condition"]).replace("${", "$${"))
        statements.append(statement)
    return statements


# ---------------------------------------------------------------------------------------------
# Neutral policy model: statements are dicts whose leaves are str or the wrapper classes below.
# ---------------------------------------------------------------------------------------------

class TfExpr:
    """A bare Terraform expression (``aws_s3_bucket.logs.arn``)."""

    def __init__(self, text: str):
        self.text = text


class Ref:
    """CloudFormation Ref."""

    def __init__(self, name: str):
        self.name = name


class GetAtt:
    def __init__(self, resource: str, attribute: str):
        self.resource = resource
        self.attribute = attribute


class Fn:
    """Any other CloudFormation intrinsic: Sub, If, Join, Equals, Not, Select..."""

    def __init__(self, name: str, arg: Any):
        self.name = name
        self.arg = arg


def account_id(rng: random.Random) -> str:
    return str(rng.randrange(100000000000, 999999999999))


def line_target(rng: random.Random) -> int:
    """A file size in lines, skewed towards the small end (most real files are short)."""
    return int(MIN_LINES * (MAX_LINES / MIN_LINES) ** (rng.random() ** 1.6))


def pick_actions(rng: random.Random, service: tuple, write: bool) -> list[str]:
    name, reads, writes = service
    chosen = rng.sample(reads, rng.randint(1, len(reads)))
    if write:
        chosen += rng.sample(writes, rng.randint(1, len(writes)))
    return chosen


# ---------------------------------------------------------------------------------------------
# HCL rendering
# ---------------------------------------------------------------------------------------------

_HCL_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def hcl_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def hcl_value(value: Any, indent: int) -> str:
    pad = " " * indent
    if isinstance(value, TfExpr):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(isinstance(v, (str, TfExpr)) for v in value):
            inline = "[" + ", ".join(hcl_value(v, 0) for v in value) + "]"
            if len(inline) + indent < 90:
                return inline
        items = [pad + "  " + hcl_value(v, indent + 2) + "," for v in value]
        return "[\n" + "\n".join(items) + "\n" + pad + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        keys = [k if _HCL_IDENT.match(k) else hcl_string(k) for k in value]
        width = max(len(k) for k in keys)
        body = [f"{pad}  {k.ljust(width)} = {hcl_value(v, indent + 2)}" for k, v in zip(keys, value.values())]
        return "{\n" + "\n".join(body) + "\n" + pad + "}"
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def hcl_attrs(attrs: list[tuple[str, Any]], indent: int) -> list[str]:
    """Attribute lines with `terraform fmt`-style alignment of consecutive single-line values."""
    pad = " " * indent
    rendered = [(k, hcl_value(v, indent)) for k, v in attrs]
    width = max((len(k) for k, v in rendered if "\n" not in v), default=0)
    lines = []
    for key, text in rendered:
        lines.append(f"{pad}{key.ljust(width) if chr(10) not in text else key} = {text}")
    return lines


def heredoc_json(value: Any) -> str:
    """A policy as JSON with Terraform interpolations for expressions (heredoc / file form)."""

    def plain(v: Any) -> Any:
        if isinstance(v, TfExpr):
            return "${" + v.text + "}"
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return json.dumps(plain(value), indent=2)


# ---------------------------------------------------------------------------------------------
# CloudFormation rendering (YAML short forms and JSON long forms)
# ---------------------------------------------------------------------------------------------

_YAML_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_./:*\-]*$")
_YAML_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def yaml_scalar(value: Any, flow: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _YAML_PLAIN.match(text) and text.lower() not in _YAML_RESERVED and ": " not in text:
        return text
    return "'" + text.replace("'", "''") + "'"


def yaml_inline(value: Any, flow: bool = False) -> str | None:
    """One-line YAML for a value, or None when it needs block style."""
    if isinstance(value, Ref):
        return f"!Ref {value.name}"
    if isinstance(value, GetAtt):
        return f"!GetAtt {value.resource}.{value.attribute}"
    if isinstance(value, Fn):
        if isinstance(value.arg, (str, int, bool)):
            return f"!{value.name} {yaml_scalar(value.arg)}"
        if isinstance(value.arg, list):
            inner = [yaml_inline(v, flow=True) for v in value.arg]
            if all(i is not None for i in inner) and sum(len(i) for i in inner) < 60:  # type: ignore[arg-type]
                return f"!{value.name} [" + ", ".join(inner) + "]"  # type: ignore[arg-type]
        return None
    if isinstance(value, (dict, list)):
        return "[]" if value == [] else ("{}" if value == {} else None)
    return yaml_scalar(value, flow)


def yaml_lines(value: Any, indent: int) -> list[str]:
    """Block-style YAML lines for a mapping or sequence at ``indent``."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            inline = yaml_inline(item)
            if inline is not None:
                lines.append(f"{pad}{key}: {inline}")
            elif isinstance(item, Fn):
                lines.append(f"{pad}{key}: !{item.name}")
                lines.extend(yaml_lines(item.arg, indent + 2))
            else:
                lines.append(f"{pad}{key}:")
                lines.extend(yaml_lines(item, indent + 2))
        return lines
    if isinstance(value, list):
        for item in value:
            inline = yaml_inline(item)
            if inline is not None:
                lines.append(f"{pad}- {inline}")
            elif isinstance(item, Fn):
                lines.append(f"{pad}- !{item.name}")
                lines.extend(yaml_lines(item.arg, indent + 2))
            else:
                nested = yaml_lines(item, indent + 2)
                nested[0] = pad + "- " + nested[0][indent + 2:]
                lines.extend(nested)
        return lines
    raise TypeError(f"block YAML needs a mapping or sequence, got {type(value).__name__}")


def cfn_json_value(value: Any) -> Any:
    if isinstance(value, Ref):
        return {"Ref": value.name}
    if isinstance(value, GetAtt):
        return {"Fn::GetAtt": [value.resource, value.attribute]}
    if isinstance(value, Fn):
        return {f"Fn::{value.name}": cfn_json_value(value.arg)}
    if isinstance(value, list):
        return [cfn_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: cfn_json_value(v) for k, v in value.items()}
    return value


def render_cfn(template: dict, as_json: bool) -> str:
    if as_json:
        return json.dumps(cfn_json_value(template), indent=2) + "\n"
    sections = []
    for key, value in template.items():
        if isinstance(value, dict):
            sections.append("\n".join([f"{key}:"] + _yaml_section(value)))
        else:
            sections.append(f"{key}: {yaml_inline(value)}")
    return "\n\n".join(sections) + "\n"


def _yaml_section(section: dict) -> list[str]:
    """Top-level entries separated by blank lines, the way templates are usually written."""
    lines: list[str] = []
    for index, (key, value) in enumerate(section.items()):
        if index and isinstance(value, dict) and len(value) > 1:
            lines.append("")
        lines.extend(yaml_lines({key: value}, 2))
    return lines


# ---------------------------------------------------------------------------------------------
# Terraform modules
# ---------------------------------------------------------------------------------------------

SHARED_MODULES = ("bucket_policy", "service_role")


class TfModule:
    """Blocks of one root module, assigned to files by category."""

    def __init__(self, rng: random.Random, name: str, file_names: list[str], policy_files: int,
                 shared_modules: list[str]):
        self.rng = rng
        self.name = name
        self.file_names = file_names
        self.blocks: dict[str, list[str]] = {f: [] for f in file_names}
        self.policy_files: dict[str, str] = {}
        self.policy_files_left = policy_files
        self.shared_modules = shared_modules
        self.roles: list[str] = []      # TF addresses of roles
        self.users: list[str] = []
        self.used: set[str] = set()
        self.account = account_id(rng)
        self.org_id = "o-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))
        self.trusted = [account_id(rng) for _ in range(rng.randint(1, 3))]
        self.outputs: list[tuple[str, str]] = []
        self.variables: list[str] = []
        self.padding_variables = 0

    # -- helpers -----------------------------------------------------------------------------
    def label(self, base: str) -> str:
        name = base
        counter = 2
        while name in self.used:
            name = f"{base}_{counter}"
            counter += 1
        self.used.add(name)
        return name

    def file_for(self, category: str) -> str:
        preferred = {"iam": ["iam.tf", "main.tf"], "data": ["data.tf", "iam.tf", "main.tf"],
                     "storage": ["storage.tf", "main.tf"], "outputs": ["outputs.tf", "main.tf"],
                     "locals": ["locals.tf", "main.tf"], "variables": ["variables.tf"],
                     "main": ["main.tf"]}[category]
        for name in preferred:
            if name in self.blocks:
                return name
        return "main.tf"

    def add(self, category: str, text: str) -> None:
        self.blocks[self.file_for(category)].append(text)

    def block(self, kind: str, labels: list[str], attrs: list[tuple[str, Any]],
              nested: list[str] | None = None, meta: list[tuple[str, Any]] | None = None) -> str:
        head = kind + " " + " ".join(hcl_string(l) for l in labels) + " {"
        lines = [head]
        if meta:
            lines += hcl_attrs(meta, 2)
            lines.append("")
        lines += hcl_attrs(attrs, 2) if attrs else []
        for child in nested or []:
            lines.append("")
            lines.append(child)
        lines.append("}")
        return "\n".join(lines)

    # -- statements ----------------------------------------------------------------------------
    def identity_statements(self, resource_arns: list[Any]) -> list[dict]:
        """Statements of an identity policy: mostly scoped, occasionally risky."""
        rng = self.rng
        statements = []
        for index in range(rng.randint(1, 3)):
            service = rng.choice(ACTION_SETS)
            statement: dict[str, Any] = {"Sid": f"{service[0].capitalize()}Access{index + 1}", "Effect": "Allow"}
            roll = rng.random()
            if roll < P_ADMIN_STATEMENT:
                statement.update(Sid="Everything", Action="*", Resource="*")
            elif roll < P_ADMIN_STATEMENT + P_SERVICE_WILDCARD:
                statement.update(Action=f"{service[0]}:*", Resource=rng.choice(resource_arns) if resource_arns else "*")
            else:
                actions = pick_actions(rng, service, rng.random() < 0.5)
                if rng.random() < 0.03:
                    actions.append(rng.choice(RISKY_EXTRA))
                statement["Action"] = actions
                statement["Resource"] = self.arn_for(service[0], resource_arns)
            statements.append(statement)
        return statements

    def arn_for(self, service: str, resource_arns: list[Any]) -> Any:
        rng = self.rng
        if service == "s3" and resource_arns:
            target = rng.choice(resource_arns)
            if isinstance(target, TfExpr):
                return [target, "${" + target.text + "}/*"]
            return [target, target + "/*"]
        word = rng.choice(WORDS)
        region = "${var.region}" if rng.random() < 0.5 else "eu-west-1"
        arns = {
            "s3": f"arn:aws:s3:::${{local.name_prefix}}-{word}/*",
            "dynamodb": f"arn:aws:dynamodb:{region}:${{var.account_id}}:table/${{local.name_prefix}}-{word}",
            "sqs": f"arn:aws:sqs:{region}:${{var.account_id}}:${{local.name_prefix}}-{word}",
            "sns": f"arn:aws:sns:{region}:${{var.account_id}}:${{local.name_prefix}}-{word}",
            "logs": f"arn:aws:logs:{region}:${{var.account_id}}:log-group:/aws/${{local.name_prefix}}/{word}:*",
            "kms": f"arn:aws:kms:{region}:${{var.account_id}}:key/*",
            "secretsmanager": f"arn:aws:secretsmanager:{region}:${{var.account_id}}:secret:{word}-*",
            "ssm": f"arn:aws:ssm:{region}:${{var.account_id}}:parameter/${{var.environment}}/{word}/*",
        }
        return arns[service]

    def literal_statements(self) -> list[dict]:
        """Statements with literal ARNs only (for file() policies, which are not templated)."""
        rng = self.rng
        statements = []
        for index in range(rng.randint(2, 6)):
            service = rng.choice(ACTION_SETS)
            word = rng.choice(WORDS)
            if rng.random() < P_ADMIN_STATEMENT:
                statements.append({"Sid": "AdminAccess", "Effect": "Allow", "Action": "*", "Resource": "*"})
                continue
            resource = {"s3": f"arn:aws:s3:::{self.name}-{word}/*",
                        "dynamodb": f"arn:aws:dynamodb:eu-west-1:{self.account}:table/{self.name}-{word}",
                        }.get(service[0], f"arn:aws:{service[0]}:eu-west-1:{self.account}:{self.name}-{word}*")
            statement = {"Sid": f"{service[0].capitalize()}{word.capitalize()}{index}", "Effect": "Allow",
                         "Action": pick_actions(rng, service, rng.random() < 0.4), "Resource": resource}
            if rng.random() < 0.2:
                statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
            statements.append(statement)
        return statements

    def resource_policy_statements(self, service: str, resource_arn: Any, actions: list[str],
                                   source_arn: Any = None) -> list[dict]:
        """Statements of a resource policy (bucket/queue/topic)."""
        rng = self.rng
        statements = []
        roll = rng.random()
        if roll < P_PUBLIC_PRINCIPAL:
            statements.append({"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                               "Action": actions[:1], "Resource": resource_arn})
        elif roll < P_PUBLIC_PRINCIPAL + P_ORG_PRINCIPAL:
            statements.append({"Sid": "OrgRead", "Effect": "Allow", "Principal": "*", "Action": actions,
                               "Resource": resource_arn,
                               "Condition": {"StringEquals": {"aws:PrincipalOrgID": TfExpr("var.org_id")}}})
        elif source_arn is not None:
            statements.append({"Sid": "AllowService", "Effect": "Allow",
                               "Principal": {"Service": f"{rng.choice(['sns', 'events', 's3'])}.amazonaws.com"},
                               "Action": actions, "Resource": resource_arn,
                               "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}}})
        else:
            principals = [f"arn:aws:iam::{a}:root" for a in self.trusted[:rng.randint(1, len(self.trusted))]]
            if self.roles and rng.random() < 0.5:
                principals = [TfExpr(f"{rng.choice(self.roles)}.arn")]
            statements.append({"Sid": "TrustedRead", "Effect": "Allow",
                               "Principal": {"AWS": principals if len(principals) > 1 else principals[0]},
                               "Action": actions, "Resource": resource_arn})
        if service == "s3" and rng.random() < 0.6:
            statements.append({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                               "Action": "s3:*", "Resource": resource_arn,
                               "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
        return statements

    def trust_statement(self) -> dict:
        rng = self.rng
        roll = rng.random()
        if roll < P_WILDCARD_TRUST:
            principal: Any = {"AWS": "*"}
        elif roll < P_WILDCARD_TRUST + P_CROSS_ACCOUNT_TRUST:
            principal = {"AWS": TfExpr('[for id in var.trusted_account_ids : "arn:aws:iam::${id}:root"]')}
            if rng.random() < 0.5:
                principal = {"AWS": f"arn:aws:iam::{rng.choice(self.trusted)}:root"}
        else:
            principal = {"Service": rng.choice(TRUST_SERVICES)}
        statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        if "AWS" in principal and principal["AWS"] != "*" and rng.random() < 0.6:
            statement["Condition"] = {"StringEquals": {"sts:ExternalId": TfExpr("var.external_id")}}
        return statement

    # -- policy attribute in one of the supported forms ---------------------------------------
    def policy_attr(self, statements: list[dict], base: str, allow_file: bool = True,
                    form: str | None = None) -> tuple[str, Any]:
        rng = self.rng
        forms = ["jsonencode"] * 4 + ["heredoc", "heredoc_indented", "document", "document"]
        if form is None:
            form = "file" if allow_file and self.policy_files_left else rng.choice(forms)
        document = {"Version": "2012-10-17", "Statement": statements}
        if form == "file":
            self.policy_files_left -= 1
            file_name = f"{self.label(base)}.json"
            literal = {"Version": "2012-10-17", "Statement": self.literal_statements()}
            self.policy_files[file_name] = json.dumps(literal, indent=2) + "\n"
            path = (f"${{path.module}}/policies/{file_name}" if rng.random() < 0.7
                    else f"policies/{file_name}")
            return "policy", TfExpr(f"file({hcl_string(path)})")
        if form == "jsonencode":
            return "policy", TfExpr("jsonencode(" + hcl_value(document, 2) + ")")
        if form == "document":
            name = self.label(base + "_doc")
            self.add("data", self.policy_document(name, statements))
            return "policy", TfExpr(f"data.aws_iam_policy_document.{name}.json")
        body = heredoc_json(document)
        if form == "heredoc_indented":
            body = "\n".join("    " + l for l in body.splitlines())
            return "policy", TfExpr("<<-EOT\n" + body + "\n  EOT")
        return "policy", TfExpr("<<EOF\n" + body + "\nEOF")

    def policy_document(self, name: str, statements: list[dict]) -> str:
        children = []
        for statement in statements:
            attrs: list[tuple[str, Any]] = []
            if "Sid" in statement:
                attrs.append(("sid", statement["Sid"]))
            if statement.get("Effect") != "Allow" or self.rng.random() < 0.5:
                attrs.append(("effect", statement["Effect"]))
            attrs.append(("actions", _as_list(statement["Action"])))
            if "Resource" in statement:  # trust policies have none
                attrs.append(("resources", _as_list(statement["Resource"])))
            nested = []
            principal = statement.get("Principal")
            if principal == "*":
                nested.append(("principals", [("type", "*"), ("identifiers", ["*"])]))
            elif isinstance(principal, dict):
                for kind, ids in principal.items():
                    nested.append(("principals", [("type", kind), ("identifiers", _as_list(ids))]))
            for test, pairs in statement.get("Condition", {}).items():
                for variable, values in pairs.items():
                    nested.append(("condition", [("test", test), ("variable", variable),
                                                 ("values", _as_list(values))]))
            lines = ["  statement {"] + hcl_attrs(attrs, 4)
            for block_name, block_attrs in nested:
                lines += ["", f"    {block_name} {{"] + hcl_attrs(block_attrs, 6) + ["    }"]
            lines.append("  }")
            children.append("\n".join(lines))
        return f'data "aws_iam_policy_document" {hcl_string(name)} {{\n' + "\n\n".join(children) + "\n}"

    # -- units: a few related blocks each ---------------------------------------------------------
    def role_unit(self, target: str) -> None:
        rng = self.rng
        base = self.label(rng.choice(WORDS))
        address = f"aws_iam_role.{base}"
        trust = {"Version": "2012-10-17", "Statement": [self.trust_statement()]}
        if rng.random() < 0.35:
            doc = self.label(base + "_trust")
            self.add("data", self.policy_document(doc, trust["Statement"]))
            trust_value: Any = TfExpr(f"data.aws_iam_policy_document.{doc}.json")
        else:
            trust_value = TfExpr("jsonencode(" + hcl_value(trust, 2) + ")")
        attrs = [("name", f"${{local.name_prefix}}-{base}"), ("assume_role_policy", trust_value)]
        if rng.random() < 0.3:
            attrs.append(("max_session_duration", 3600))
        attrs.append(("tags", TfExpr("local.common_tags")))
        self.blocks[target].append(self.block("resource", ["aws_iam_role", base], attrs))
        self.roles.append(address)
        self.outputs.append((f"{base}_role_arn", f"{address}.arn"))
        # managed policy attachments, sometimes via for_each over a variable
        if rng.random() < 0.3:
            self.blocks[target].append(self.block(
                "resource", ["aws_iam_role_policy_attachment", self.label(base + "_extra")],
                [("role", TfExpr(f"{address}.name")), ("policy_arn", TfExpr("each.value"))],
                meta=[("for_each", TfExpr("toset(var.extra_policy_arns)"))]))
        else:
            arn = ADMIN_MANAGED if rng.random() < P_ADMIN_MANAGED else rng.choice(SCOPED_MANAGED)
            self.blocks[target].append(self.block(
                "resource", ["aws_iam_role_policy_attachment", self.label(base + "_managed")],
                [("role", TfExpr(f"{address}.name")), ("policy_arn", arn)]))
        if rng.random() < 0.7:
            arns = [TfExpr(f"aws_s3_bucket.{b}.arn") for b in self.used_buckets()]
            name, value = self.policy_attr(self.identity_statements(arns), base)
            self.blocks[target].append(self.block(
                "resource", ["aws_iam_role_policy", self.label(base + "_inline")],
                [("name", f"{base}-inline"), ("role", TfExpr(f"{address}.id")), (name, value)]))

    def boundary_unit(self, target: str) -> str:
        """A permissions boundary policy of the module; its address."""
        base = self.label("boundary_policy")
        statements = [{"Sid": "Ceiling", "Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "sqs:*", "logs:*",
                                                                        "cloudwatch:*", "kms:Decrypt"], "Resource": "*"},
                      {"Sid": "NoIdentityChanges", "Effect": "Deny",
                       "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:AttachRolePolicy",
                                  "iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary"], "Resource": "*"}]
        self.blocks[target].append(self.block("resource", ["aws_iam_policy", base], [
            ("name", f"${{local.name_prefix}}-boundary"), ("description", "Ceiling for the module's principals"),
            ("policy", TfExpr("jsonencode(" + hcl_value({"Version": "2012-10-17", "Statement": statements}, 2) + ")"))]))
        return f"aws_iam_policy.{base}"

    def heavy_role_unit(self, target: str) -> None:
        """A long-lived role: broad managed policies, dozens of statements, often a boundary."""
        rng = self.rng
        base = self.label(rng.choice(WORDS) + "_operator_role")
        address = f"aws_iam_role.{base}"
        trust = {"Version": "2012-10-17", "Statement": [self.trust_statement()]}
        attrs: list[tuple[str, Any]] = [("name", f"${{local.name_prefix}}-{base.replace('_', '-')}"),
                                        ("assume_role_policy", TfExpr("jsonencode(" + hcl_value(trust, 2) + ")"))]
        if rng.random() < 0.6:
            attrs.append(("permissions_boundary", TfExpr(f"{self.boundary_unit(target)}.arn")))
        self.blocks[target].append(self.block("resource", ["aws_iam_role", base], attrs))
        self.roles.append(address)
        for arn in rng.sample(BROAD_MANAGED, rng.randint(1, 2)):
            self.blocks[target].append(self.block(
                "resource", ["aws_iam_role_policy_attachment", self.label(base + "_" + arn.rsplit("/", 1)[1].lower())],
                [("role", TfExpr(f"{address}.name")), ("policy_arn", arn)]))
        statements = heavy_statements(rng, "eu-west-1", self.account, self.name, hcl=True)
        self.blocks[target].append(self.block("resource", ["aws_iam_role_policy", self.label(base + "_inline")], [
            ("name", f"{base}-inline"), ("role", TfExpr(f"{address}.id")),
            ("policy", TfExpr("jsonencode(" + hcl_value({"Version": "2012-10-17", "Statement": statements}, 2) + ")"))]))

    def team_unit(self, target: str) -> None:
        """An IAM group with users, a managed policy attached to it and dozens of group statements."""
        rng = self.rng
        group = self.label(rng.choice(TEAMS) + "_team")
        address = f"aws_iam_group.{group}"
        self.blocks[target].append(self.block("resource", ["aws_iam_group", group], [
            ("name", f"${{local.name_prefix}}-{group.replace('_', '-')}"), ("path", "/teams/")]))
        boundary = self.boundary_unit(target) if rng.random() < 0.5 else None
        users = []
        for _ in range(rng.randint(2, 4)):
            user = self.label(rng.choice(["alice", "bob", "carol", "dave", "erin", "frank"]) + "_" + group)
            attrs: list[tuple[str, Any]] = [("name", user.replace("_", "-")), ("path", "/people/")]
            if boundary:
                attrs.append(("permissions_boundary", TfExpr(f"{boundary}.arn")))
            self.blocks[target].append(self.block("resource", ["aws_iam_user", user], attrs))
            self.users.append(f"aws_iam_user.{user}")
            users.append(TfExpr(f"aws_iam_user.{user}.name"))
        self.blocks[target].append(self.block("resource", ["aws_iam_group_membership", group], [
            ("name", f"{group}-members"), ("group", TfExpr(f"{address}.name")), ("users", users)]))
        self.blocks[target].append(self.block("resource", ["aws_iam_group_policy_attachment", group], [
            ("group", TfExpr(f"{address}.name")), ("policy_arn", rng.choice(BROAD_MANAGED))]))
        statements = heavy_statements(rng, "eu-west-1", self.account, self.name, hcl=True)
        self.blocks[target].append(self.block("resource", ["aws_iam_group_policy", group], [
            ("name", f"{group}-access"), ("group", TfExpr(f"{address}.name")),
            ("policy", TfExpr("jsonencode(" + hcl_value({"Version": "2012-10-17", "Statement": statements}, 2) + ")"))]))

    def used_buckets(self) -> list[str]:
        return sorted(n[len("bucket:"):] for n in self.used if n.startswith("bucket:"))

    def bucket_unit(self, target: str) -> None:
        rng = self.rng
        base = self.label(rng.choice(WORDS) + "_bucket")
        self.used.add("bucket:" + base)
        bucket = f"aws_s3_bucket.{base}"
        self.blocks[target].append(self.block("resource", ["aws_s3_bucket", base], [
            ("bucket", f"${{local.name_prefix}}-{base.replace('_', '-')}"), ("tags", TfExpr("local.common_tags"))]))
        if rng.random() < 0.5:
            self.blocks[target].append(self.block(
                "resource", ["aws_s3_bucket_public_access_block", base],
                [("bucket", TfExpr(f"{bucket}.id")), ("block_public_acls", True),
                 ("block_public_policy", True), ("ignore_public_acls", True),
                 ("restrict_public_buckets", True)]))
        resource_arn = [TfExpr(f"{bucket}.arn"), f"${{{bucket}.arn}}/*"]
        statements = self.resource_policy_statements("s3", resource_arn, ["s3:GetObject", "s3:ListBucket"])
        name, value = self.policy_attr(statements, base + "_policy", allow_file=False)
        self.blocks[target].append(self.block(
            "resource", ["aws_s3_bucket_policy", base], [("bucket", TfExpr(f"{bucket}.id")), (name, value)]))
        self.outputs.append((f"{base}_arn", f"{bucket}.arn"))

    def user_unit(self, target: str) -> None:
        rng = self.rng
        base = self.label(rng.choice(["ci", "deploy", "reporting", "backup", "sync", "legacy"]) + "_user")
        address = f"aws_iam_user.{base}"
        self.blocks[target].append(self.block("resource", ["aws_iam_user", base], [
            ("name", f"${{local.name_prefix}}-{base.replace('_', '-')}"), ("path", "/service/"),
            ("tags", TfExpr("local.common_tags"))]))
        self.users.append(address)
        if rng.random() < P_ACCESS_KEY:
            self.blocks[target].append(self.block("resource", ["aws_iam_access_key", base], [
                ("user", TfExpr(f"{address}.name"))]))
        if rng.random() < 0.5:
            group = self.label(base.replace("_user", "") + "_group")
            self.blocks[target].append(self.block("resource", ["aws_iam_group", group], [
                ("name", f"${{local.name_prefix}}-{group.replace('_', '-')}"), ("path", "/teams/")]))
            self.blocks[target].append(self.block("resource", ["aws_iam_user_group_membership", base], [
                ("user", TfExpr(f"{address}.name")), ("groups", [TfExpr(f"aws_iam_group.{group}.name")])]))
            name, value = self.policy_attr(self.identity_statements([]), group)
            self.blocks[target].append(self.block("resource", ["aws_iam_group_policy", group], [
                ("name", group.replace("_", "-")), ("group", TfExpr(f"aws_iam_group.{group}.name")),
                (name, value)]))
        else:
            name, value = self.policy_attr(self.identity_statements([]), base)
            self.blocks[target].append(self.block("resource", ["aws_iam_user_policy", base], [
                ("name", base.replace("_", "-")), ("user", TfExpr(f"{address}.name")), (name, value)]))

    def messaging_unit(self, target: str) -> None:
        rng = self.rng
        kind = rng.choice(["sqs", "sns"])
        base = self.label(rng.choice(WORDS) + ("_queue" if kind == "sqs" else "_topic"))
        if kind == "sqs":
            address = f"aws_sqs_queue.{base}"
            self.blocks[target].append(self.block("resource", ["aws_sqs_queue", base], [
                ("name", f"${{local.name_prefix}}-{base.replace('_', '-')}"),
                ("message_retention_seconds", rng.choice([86400, 345600, 1209600])),
                ("sqs_managed_sse_enabled", True)]))
            source = f"arn:aws:sns:${{var.region}}:${{var.account_id}}:${{local.name_prefix}}-events"
            statements = self.resource_policy_statements("sqs", TfExpr(f"{address}.arn"), ["sqs:SendMessage"],
                                                         source if rng.random() < 0.6 else None)
            name, value = self.policy_attr(statements, base + "_policy", allow_file=False)
            self.blocks[target].append(self.block("resource", ["aws_sqs_queue_policy", base], [
                ("queue_url", TfExpr(f"{address}.id")), (name, value)]))
        else:
            address = f"aws_sns_topic.{base}"
            self.blocks[target].append(self.block("resource", ["aws_sns_topic", base], [
                ("name", f"${{local.name_prefix}}-{base.replace('_', '-')}")]))
            statements = self.resource_policy_statements("sns", TfExpr(f"{address}.arn"), ["sns:Publish"],
                                                         "arn:aws:events:${var.region}:${var.account_id}:rule/*"
                                                         if rng.random() < 0.6 else None)
            name, value = self.policy_attr(statements, base + "_policy", allow_file=False)
            self.blocks[target].append(self.block("resource", ["aws_sns_topic_policy", base], [
                ("arn", TfExpr(f"{address}.arn")), (name, value)]))
        self.outputs.append((f"{base}_arn", f"{address}.arn"))

    def kms_unit(self, target: str) -> None:
        rng = self.rng
        base = self.label(rng.choice(WORDS) + "_key")
        statements: list[dict] = [{
            "Sid": "EnableRootAccount", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::${var.account_id}:root"}, "Action": "kms:*", "Resource": "*"}]
        if self.roles:
            statements.append({"Sid": "AllowUse", "Effect": "Allow",
                               "Principal": {"AWS": TfExpr(f"{rng.choice(self.roles)}.arn")},
                               "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"})
        if rng.random() < P_PUBLIC_PRINCIPAL:
            statements.append({"Sid": "AnyoneDecrypt", "Effect": "Allow", "Principal": {"AWS": "*"},
                               "Action": "kms:Decrypt", "Resource": "*"})
        name, value = self.policy_attr(statements, base + "_policy", allow_file=False)
        self.blocks[target].append(self.block("resource", ["aws_kms_key", base], [
            ("description", f"{base} for ${{var.environment}}"), ("enable_key_rotation", True),
            ("deletion_window_in_days", 30), (name, value)]))
        self.blocks[target].append(self.block("resource", ["aws_kms_alias", base], [
            ("name", f"alias/${{local.name_prefix}}-{base.replace('_', '-')}"),
            ("target_key_id", TfExpr(f"aws_kms_key.{base}.key_id"))]))

    def lambda_unit(self, target: str) -> None:
        rng = self.rng
        if not self.roles:
            self.role_unit(target)
        base = self.label(rng.choice(WORDS) + "_fn")
        function = f"aws_lambda_function.{base}"
        self.blocks[target].append(self.block("resource", ["aws_lambda_function", base], [
            ("function_name", f"${{local.name_prefix}}-{base.replace('_', '-')}"),
            ("role", TfExpr(f"{self.roles[-1]}.arn")), ("handler", "main.handler"),
            ("runtime", rng.choice(["python3.12", "nodejs20.x"])), ("filename", "${path.module}/build/fn.zip"),
            ("timeout", rng.choice([10, 30, 60]))]))
        public = rng.random() < P_PUBLIC_PRINCIPAL
        attrs: list[tuple[str, Any]] = [("statement_id", "AllowInvoke"), ("action", "lambda:InvokeFunction"),
                                        ("function_name", TfExpr(f"{function}.function_name"))]
        if public:
            attrs.append(("principal", "*"))
        else:
            attrs += [("principal", "s3.amazonaws.com"),
                      ("source_arn", "arn:aws:s3:::${local.name_prefix}-uploads"),
                      ("source_account", TfExpr("var.account_id"))]
        meta = [("count", TfExpr("var.enable_triggers ? 1 : 0"))] if rng.random() < 0.4 else None
        self.blocks[target].append(self.block("resource", ["aws_lambda_permission", base], attrs, meta=meta))

    def managed_policy_unit(self, target: str, form: str | None = None) -> None:
        rng = self.rng
        base = self.label(rng.choice(WORDS) + "_policy")
        name, value = self.policy_attr(self.identity_statements([]), base, form=form)
        self.blocks[target].append(self.block("resource", ["aws_iam_policy", base], [
            ("name", f"${{local.name_prefix}}-{base.replace('_', '-')}"), ("description", f"{base} access"),
            (name, value)]))
        if self.roles:
            self.blocks[target].append(self.block(
                "resource", ["aws_iam_role_policy_attachment", self.label(base + "_attach")],
                [("role", TfExpr(f"{rng.choice(self.roles)}.name")), ("policy_arn", TfExpr(f"aws_iam_policy.{base}.arn"))],
                meta=[("count", TfExpr("var.attach_policies ? 1 : 0"))] if rng.random() < 0.4 else None))

    def module_call_unit(self, target: str) -> None:
        rng = self.rng
        module = rng.choice(self.shared_modules)
        name = self.label(module + "_" + rng.choice(WORDS))
        if module == "bucket_policy":
            readers = [TfExpr(f"{r}.arn") for r in self.roles[:2]] or [f"arn:aws:iam::{self.trusted[0]}:root"]
            attrs = [("source", f"../modules/{module}"), ("bucket_name", f"${{local.name_prefix}}-{name.replace('_', '-')}"),
                     ("reader_arns", readers), ("org_id", TfExpr("var.org_id"))]
        else:
            attrs = [("source", f"../modules/{module}"), ("name", f"${{local.name_prefix}}-{name.replace('_', '-')}"),
                     ("service", rng.choice(TRUST_SERVICES)),
                     ("managed_policy_arns", [rng.choice(SCOPED_MANAGED)])]
        self.blocks[target].append(self.block("module", [name], attrs))

    # -- whole module ----------------------------------------------------------------------------
    def build(self) -> dict[str, str]:
        rng = self.rng
        units: list[tuple[float, Callable[[str], None]]] = [
            (3, self.role_unit), (2, self.bucket_unit), (1.2, self.user_unit), (1, self.messaging_unit),
            (0.6, self.kms_unit), (0.6, self.lambda_unit), (1.2, self.managed_policy_unit)]
        if self.shared_modules:
            units.append((0.5, self.module_call_unit))
        weights = [w for w, _ in units]
        # data.tf fills up as a side effect (policy documents of units in other files)
        resource_files = [f for f in self.file_names if f in ("main.tf", "iam.tf", "storage.tf")]
        for file_name in resource_files:
            target = line_target(rng)
            if target >= HEAVY_MIN_LINES and rng.random() < HEAVY_SHARE:
                rng.choice([self.heavy_role_unit, self.team_unit])(file_name)
            while _count_lines(self.blocks[file_name]) < target:
                unit = rng.choices([u for _, u in units], weights)[0]
                unit(file_name)
        while self.policy_files_left:  # every planned policies/*.json gets a user
            self.managed_policy_unit("main.tf")
        if "data.tf" in self.blocks and not self.blocks["data.tf"]:
            self.managed_policy_unit("main.tf", form="document")
        files = {name: "" for name in self.file_names}
        main = self.blocks["main.tf"]
        main.insert(0, self.header())
        if "locals.tf" not in self.blocks:
            main.insert(1, self.locals_block())
        else:
            self.blocks["locals.tf"].insert(0, self.locals_block())
        self.blocks[self.file_for("variables")] += self.variable_blocks(line_target(rng))
        if "outputs.tf" in self.blocks:
            self.blocks["outputs.tf"] += [self.block("output", [n], [("value", TfExpr(e))])
                                          for n, e in self.outputs]
        for name in self.file_names:
            files[name] = "\n\n".join(self.blocks[name]) + "\n"
        for name, text in self.policy_files.items():
            files["policies/" + name] = text
        return files

    def header(self) -> str:
        return ('terraform {\n  required_version = ">= 1.5"\n\n  required_providers {\n'
                '    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 5.0"\n    }\n  }\n}\n\n'
                'provider "aws" {\n  region = var.region\n}')

    def locals_block(self) -> str:
        return ("locals {\n"
                f'  name_prefix = "{self.name}-${{var.environment}}"\n'
                "  common_tags = {\n"
                f'    Service     = "{self.name}"\n'
                "    Environment = var.environment\n"
                '    ManagedBy   = "terraform"\n'
                "  }\n"
                "}")

    def variable_blocks(self, target: int) -> list[str]:
        rng = self.rng
        env = rng.choice(ENVIRONMENTS)
        definitions: list[tuple[str, str, str, Any]] = [
            ("region", "string", "AWS region to deploy into", "eu-west-1"),
            ("environment", "string", "Deployment stage", env),
            ("account_id", "string", "Account that owns the resources", self.account),
            ("org_id", "string", "AWS Organizations id allowed to read shared data", self.org_id),
            ("trusted_account_ids", "list(string)", "Accounts allowed to assume the cross-account roles", self.trusted),
            ("external_id", "string", "External id expected from the trusted accounts", f"{self.name}-{env}-ext"),
            ("extra_policy_arns", "list(string)", "Additional managed policies for the roles",
             rng.sample(SCOPED_MANAGED, rng.randint(0, 2))),
            ("enable_triggers", "bool", "Create the Lambda invoke permissions", rng.random() < 0.8),
            ("attach_policies", "bool", "Attach the managed policies to the roles", True),
        ]
        blocks = [self.block("variable", [n], [("description", d), ("type", TfExpr(t)), ("default", v)])
                  for n, t, d, v in definitions]
        extra = 0
        while _count_lines(blocks) < target:
            extra += 1
            word = rng.choice(WORDS)
            kind = rng.choice(["number", "string", "bool"])
            default: Any = {"number": rng.choice([1, 3, 30, 300, 900]), "string": f"{word}-{extra}",
                            "bool": rng.random() < 0.5}[kind]
            blocks.append(self.block("variable", [f"{word}_setting_{extra}"], [
                ("description", f"Tuning for {word}"), ("type", TfExpr(kind)), ("default", default)]))
        return blocks


def _count_lines(blocks: list[str]) -> int:
    return sum(b.count("\n") + 2 for b in blocks)


def _as_list(value: Any) -> Any:
    if isinstance(value, TfExpr) and value.text.startswith("["):
        return value  # already a list expression (a `for` expression)
    return value if isinstance(value, list) else [value]


def shared_module_files(name: str) -> dict[str, str]:
    """The two local modules roots call; small and fixed (their size does not depend on the seed)."""
    if name == "bucket_policy":
        main = '''resource "aws_s3_bucket" "this" {
  bucket = var.bucket_name
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ReadersList"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]

    principals {
      type        = "AWS"
      identifiers = var.reader_arns
    }
  }

  statement {
    sid       = "ReadersGet"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "AWS"
      identifiers = var.reader_arns
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = [var.org_id]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json
}
'''
        variables = '''variable "bucket_name" {
  description = "Name of the shared bucket"
  type        = string
}

variable "reader_arns" {
  description = "Principals allowed to read"
  type        = list(string)
  default     = []
}

variable "org_id" {
  description = "Organization that may read"
  type        = string
}

output "bucket_arn" {
  value = aws_s3_bucket.this.arn
}
'''
    else:
        main = '''resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = var.service }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each   = toset(var.managed_policy_arns)
  role       = aws_iam_role.this.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "logs" {
  name = "${var.name}-logs"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "arn:aws:logs:*:*:log-group:/aws/${var.name}:*"
    }]
  })
}

output "role_arn" {
  value = aws_iam_role.this.arn
}
'''
        variables = '''variable "name" {
  description = "Role name"
  type        = string
}

variable "service" {
  description = "Service principal allowed to assume the role"
  type        = string
}

variable "managed_policy_arns" {
  description = "Managed policies to attach"
  type        = list(string)
  default     = []
}
'''
    return {"main.tf": main, "variables.tf": variables}


def generate_terraform(rng: random.Random, budget: int) -> dict[str, str]:
    files: dict[str, str] = {}
    shared: list[str] = []
    if budget >= 12:
        for name in SHARED_MODULES:
            for file_name, text in shared_module_files(name).items():
                files[f"terraform/modules/{name}/{file_name}"] = text
            shared.append(name)
        budget -= 2 * len(SHARED_MODULES)
    index = 0
    optional = ["iam.tf", "data.tf", "storage.tf", "outputs.tf", "locals.tf"]
    while budget > 0:
        index += 1
        tf_count = min(rng.randint(2, 5), budget)
        policy_count = min(rng.choice([0, 0, 0, 1, 1, 2]), budget - tf_count)
        if budget - tf_count - policy_count == 1:
            policy_count += 1  # a lone leftover file would not make a module
        if tf_count == 1:
            names = ["main.tf"]
        else:
            names = ["main.tf", "variables.tf"] + rng.sample(optional, tf_count - 2)
            names = sorted(names)
        service = f"{rng.choice(SERVICES)}-{index:03d}"
        module = TfModule(rng, service, names, policy_count,
                          shared if rng.random() < 0.4 else [])
        for file_name, text in module.build().items():
            files[f"terraform/{service}/{file_name}"] = text
        budget -= tf_count + len(module.policy_files)
    return files


# ---------------------------------------------------------------------------------------------
# CloudFormation templates
# ---------------------------------------------------------------------------------------------

class CfnTemplate:
    def __init__(self, rng: random.Random, name: str):
        self.rng = rng
        self.name = name
        self.resources: dict[str, dict] = {}
        self.outputs: dict[str, dict] = {}
        self.roles: list[str] = []
        self.used: set[str] = set()
        self.trusted = account_id(rng)

    def logical(self, base: str) -> str:
        name = base
        counter = 2
        while name in self.used:
            name = f"{base}{counter}"
            counter += 1
        self.used.add(name)
        return name

    def identity_statements(self, bucket: str | None = None) -> list[dict]:
        rng = self.rng
        statements = []
        for index in range(rng.randint(1, 3)):
            service = rng.choice(ACTION_SETS)
            roll = rng.random()
            if roll < P_ADMIN_STATEMENT:
                statements.append({"Effect": "Allow", "Action": "*", "Resource": "*"})
                continue
            statement: dict[str, Any] = {"Sid": f"{service[0].capitalize()}{index + 1}", "Effect": "Allow"}
            if roll < P_ADMIN_STATEMENT + P_SERVICE_WILDCARD:
                statement["Action"] = f"{service[0]}:*"
            else:
                statement["Action"] = pick_actions(rng, service, rng.random() < 0.5)
            word = rng.choice(WORDS)
            if service[0] == "s3" and bucket:
                resource: Any = [GetAtt(bucket, "Arn"), Fn("Sub", f"${{{bucket}.Arn}}/*")]
            elif service[0] == "s3":
                resource = Fn("Sub", f"arn:${{AWS::Partition}}:s3:::${{Environment}}-{word}/*")
            elif rng.random() < 0.2:
                resource = Fn("Join", [":", [f"arn:aws:{service[0]}", Ref("AWS::Region"), Ref("AWS::AccountId"),
                                            f"{word}-*"]])
            elif rng.random() < 0.15:
                resource = Fn("If", ["IsProd",
                                     Fn("Sub", f"arn:aws:{service[0]}:${{AWS::Region}}:${{AWS::AccountId}}:{word}-prod*"),
                                     Fn("Sub", f"arn:aws:{service[0]}:${{AWS::Region}}:${{AWS::AccountId}}:{word}-*")])
            else:
                resource = Fn("Sub", f"arn:${{AWS::Partition}}:{service[0]}:${{AWS::Region}}:${{AWS::AccountId}}:{word}*")
            statement["Resource"] = resource
            statements.append(statement)
        return statements

    def resource_statements(self, resource_arn: Any, actions: list[str], service_principal: str) -> list[dict]:
        rng = self.rng
        roll = rng.random()
        if roll < P_PUBLIC_PRINCIPAL:
            return [{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": actions, "Resource": resource_arn}]
        if roll < P_PUBLIC_PRINCIPAL + P_ORG_PRINCIPAL:
            return [{"Sid": "Organization", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": actions,
                     "Resource": resource_arn,
                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": Ref("OrgId")}}}]
        if self.roles and roll < 0.6:
            return [{"Sid": "RoleAccess", "Effect": "Allow", "Principal": {"AWS": GetAtt(rng.choice(self.roles), "Arn")},
                     "Action": actions, "Resource": resource_arn}]
        return [{"Sid": "ServiceAccess", "Effect": "Allow", "Principal": {"Service": service_principal},
                 "Action": actions, "Resource": resource_arn,
                 "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}}]

    def role(self) -> None:
        rng = self.rng
        name = self.logical(rng.choice(WORDS).capitalize() + "Role")
        roll = rng.random()
        if roll < P_WILDCARD_TRUST:
            principal: Any = {"AWS": "*"}
        elif roll < P_WILDCARD_TRUST + P_CROSS_ACCOUNT_TRUST:
            principal = {"AWS": Fn("Sub", "arn:${AWS::Partition}:iam::${TrustedAccountId}:root")}
        else:
            principal = {"Service": [rng.choice(TRUST_SERVICES)]}
        trust = {"Effect": "Allow", "Principal": principal, "Action": ["sts:AssumeRole"]}
        properties: dict[str, Any] = {
            "RoleName": Fn("Sub", f"${{AWS::StackName}}-{name.lower()}"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust]},
        }
        managed = [Fn("Sub", "arn:${AWS::Partition}:iam::aws:policy/" + rng.choice(SCOPED_MANAGED).split("/", 1)[1])]
        if rng.random() < P_ADMIN_MANAGED:
            managed.append(Fn("Sub", "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"))
        properties["ManagedPolicyArns"] = managed
        if rng.random() < 0.7:
            buckets = [r for r in self.resources if self.resources[r]["Type"] == "AWS::S3::Bucket"]
            properties["Policies"] = [{"PolicyName": f"{name.lower()}-inline", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": self.identity_statements(rng.choice(buckets) if buckets else None)}}]
        if rng.random() < 0.2:
            properties["PermissionsBoundary"] = Fn("If", ["HasBoundary", Ref("BoundaryArn"), Ref("AWS::NoValue")])
        self.resources[name] = {"Type": "AWS::IAM::Role", "Properties": properties}
        self.roles.append(name)
        self.outputs[name + "Arn"] = {"Value": GetAtt(name, "Arn")}

    def user(self) -> None:
        rng = self.rng
        name = self.logical(rng.choice(["Ci", "Deploy", "Backup", "Report", "Legacy"]) + "User")
        self.resources[name] = {"Type": "AWS::IAM::User", "Properties": {
            "Path": "/service/", "Policies": [{"PolicyName": "access", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": self.identity_statements()}}]}}
        if rng.random() < P_ACCESS_KEY:
            self.resources[self.logical(name + "Key")] = {"Type": "AWS::IAM::AccessKey", "Properties": {
                "UserName": Ref(name), "Status": "Active"}}
        if rng.random() < 0.5:
            group = self.logical(name.replace("User", "Group"))
            self.resources[group] = {"Type": "AWS::IAM::Group", "Properties": {"Path": "/teams/"}}
            self.resources[self.logical(group + "Membership")] = {
                "Type": "AWS::IAM::UserToGroupAddition", "Properties": {"GroupName": Ref(group), "Users": [Ref(name)]}}
            self.resources[self.logical(group + "Policy")] = {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": Fn("Sub", "${AWS::StackName}-" + group.lower()), "Groups": [Ref(group)],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": self.identity_statements()}}}

    def boundary(self) -> str:
        name = self.logical("PermissionsBoundary")
        self.resources[name] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Description": "Ceiling for the stack's principals", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Ceiling", "Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "sqs:*", "logs:*", "kms:Decrypt"],
                 "Resource": "*"},
                {"Sid": "NoIdentityChanges", "Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey",
                                                                          "iam:AttachRolePolicy", "iam:PutRolePolicy"],
                 "Resource": "*"}]}}}
        return name

    def heavy_role(self) -> None:
        """A long-lived role: broad managed policies, dozens of statements, often a boundary."""
        rng = self.rng
        name = self.logical(rng.choice(WORDS).capitalize() + "OperatorRole")
        principal = ({"AWS": Fn("Sub", "arn:${AWS::Partition}:iam::${TrustedAccountId}:root")} if rng.random() < 0.5
                     else {"Service": [rng.choice(TRUST_SERVICES)]})
        properties: dict[str, Any] = {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": principal, "Action": ["sts:AssumeRole"]}]},
            "ManagedPolicyArns": [Fn("Sub", "arn:${AWS::Partition}:iam::aws:policy/" + arn.rsplit("/", 1)[1])
                                  for arn in rng.sample(BROAD_MANAGED, rng.randint(1, 2))],
            "Policies": [{"PolicyName": f"{name.lower()}-access", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": heavy_statements(rng, "eu-west-1", self.trusted, self.name)}}],
        }
        if rng.random() < 0.6:
            properties["PermissionsBoundary"] = Ref(self.boundary())
        self.resources[name] = {"Type": "AWS::IAM::Role", "Properties": properties}
        self.roles.append(name)

    def team(self) -> None:
        """An IAM group with users, a broad managed policy and dozens of group statements."""
        rng = self.rng
        group = self.logical(rng.choice(TEAMS).capitalize() + "Team")
        self.resources[group] = {"Type": "AWS::IAM::Group", "Properties": {
            "Path": "/teams/", "ManagedPolicyArns": [rng.choice(BROAD_MANAGED)],
            "Policies": [{"PolicyName": "team-access", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": heavy_statements(rng, "eu-west-1", self.trusted, self.name)}}]}}
        boundary = self.boundary() if rng.random() < 0.5 else None
        for _ in range(rng.randint(2, 4)):
            user = self.logical(rng.choice(["Alice", "Bob", "Carol", "Dave", "Erin", "Frank"]) + group)
            properties: dict[str, Any] = {"Path": "/people/", "Groups": [Ref(group)]}
            if boundary:
                properties["PermissionsBoundary"] = Ref(boundary)
            self.resources[user] = {"Type": "AWS::IAM::User", "Properties": properties}

    def managed_policy(self) -> None:
        if not self.roles:
            self.role()
        name = self.logical(self.rng.choice(WORDS).capitalize() + "Policy")
        self.resources[name] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Description": f"{name} for the service roles", "Roles": [Ref(self.rng.choice(self.roles))],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": self.identity_statements()}}}

    def bucket(self) -> None:
        rng = self.rng
        name = self.logical(rng.choice(WORDS).capitalize() + "Bucket")
        self.resources[name] = {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": Fn("Sub", f"${{AWS::StackName}}-{name.lower()}-${{AWS::AccountId}}"),
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True}}}
        statements = self.resource_statements(Fn("Sub", f"${{{name}.Arn}}/*"), ["s3:GetObject"],
                                              "cloudfront.amazonaws.com")
        if rng.random() < 0.6:
            statements.append({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                               "Resource": [GetAtt(name, "Arn"),
                                            Fn("Join", ["", [GetAtt(name, "Arn"), "/*"]])],
                               "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
        self.resources[self.logical(name + "Policy")] = {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": Ref(name), "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}}
        self.outputs[name + "Name"] = {"Value": Ref(name)}

    def key(self) -> None:
        rng = self.rng
        name = self.logical(rng.choice(WORDS).capitalize() + "Key")
        statements: list[dict] = [{"Sid": "RootAccount", "Effect": "Allow",
                                   "Principal": {"AWS": Fn("Sub", "arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                                   "Action": "kms:*", "Resource": "*"}]
        if self.roles:
            statements.append({"Sid": "UseKey", "Effect": "Allow",
                               "Principal": {"AWS": GetAtt(rng.choice(self.roles), "Arn")},
                               "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"})
        if rng.random() < P_PUBLIC_PRINCIPAL:
            statements.append({"Sid": "Everyone", "Effect": "Allow", "Principal": "*",
                               "Action": "kms:Decrypt", "Resource": "*"})
        self.resources[name] = {"Type": "AWS::KMS::Key", "Properties": {
            "Description": f"{name} for the stack's data", "EnableKeyRotation": True,
            "KeyPolicy": {"Version": "2012-10-17", "Statement": statements}}}

    def messaging(self) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            name = self.logical(rng.choice(WORDS).capitalize() + "Queue")
            self.resources[name] = {"Type": "AWS::SQS::Queue", "Properties": {
                "QueueName": Fn("Sub", "${AWS::StackName}-" + name.lower()), "SqsManagedSseEnabled": True}}
            self.resources[self.logical(name + "Policy")] = {"Type": "AWS::SQS::QueuePolicy", "Properties": {
                "Queues": [Ref(name)], "PolicyDocument": {"Version": "2012-10-17", "Statement":
                    self.resource_statements(GetAtt(name, "Arn"), ["sqs:SendMessage"], "sns.amazonaws.com")}}}
        else:
            name = self.logical(rng.choice(WORDS).capitalize() + "Topic")
            self.resources[name] = {"Type": "AWS::SNS::Topic", "Properties": {
                "TopicName": Fn("Sub", "${AWS::StackName}-" + name.lower())}}
            self.resources[self.logical(name + "Policy")] = {"Type": "AWS::SNS::TopicPolicy", "Properties": {
                "Topics": [Ref(name)], "PolicyDocument": {"Version": "2012-10-17", "Statement":
                    self.resource_statements(Ref(name), ["sns:Publish"], "events.amazonaws.com")}}}

    def function(self) -> None:
        rng = self.rng
        if not self.roles:
            self.role()
        name = self.logical(rng.choice(WORDS).capitalize() + "Function")
        self.resources[name] = {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Role": GetAtt(self.roles[-1], "Arn"),
            "Timeout": rng.choice([10, 30, 60]),
            "Code": {"S3Bucket": Fn("Sub", "${AWS::StackName}-artifacts"), "S3Key": f"{name.lower()}.zip"}}}
        permission: dict[str, Any] = {"Action": "lambda:InvokeFunction", "FunctionName": Ref(name)}
        if rng.random() < P_PUBLIC_PRINCIPAL:
            permission["Principal"] = "*"
        else:
            permission["Principal"] = "events.amazonaws.com"
            permission["SourceArn"] = Fn("Sub", "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*")
        self.resources[self.logical(name + "Permission")] = {"Type": "AWS::Lambda::Permission",
                                                             "Properties": permission}

    def build(self, as_json: bool, target: int) -> str:
        rng = self.rng
        builders = [(3, self.role), (2, self.bucket), (1, self.user), (1.2, self.managed_policy),
                    (1, self.messaging), (0.6, self.key), (0.8, self.function)]
        if target >= HEAVY_MIN_LINES and rng.random() < HEAVY_SHARE:
            rng.choice([self.heavy_role, self.team])()
        while True:
            rng.choices([b for _, b in builders], [w for w, _ in builders])[0]()
            text = render_cfn(self.template(), as_json)
            if text.count("\n") >= target:
                return text

    def template(self) -> dict:
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"{self.name}: service roles, storage and messaging",
            "Parameters": {
                "Environment": {"Type": "String", "AllowedValues": ENVIRONMENTS, "Default": "dev"},
                "OrgId": {"Type": "String", "Default": "o-a1b2c3d4e5"},
                "TrustedAccountId": {"Type": "String", "Default": self.trusted},
                "BoundaryArn": {"Type": "String", "Default": ""},
            },
            "Conditions": {"IsProd": Fn("Equals", [Ref("Environment"), "prod"]),
                           "HasBoundary": Fn("Not", [Fn("Equals", [Ref("BoundaryArn"), ""])])},
            "Resources": self.resources,
            "Outputs": self.outputs,
        }
        return {k: v for k, v in template.items() if v != {}}


# ---------------------------------------------------------------------------------------------
# Terraform plan JSON
# ---------------------------------------------------------------------------------------------

def generate_plan(rng: random.Random, name: str, target: int) -> str:
    account = account_id(rng)
    planned: list[dict] = []
    changes: list[dict] = []
    config: list[dict] = []
    index = 0

    def add(type_: str, label: str, values: dict, unknown: dict, expressions: dict) -> None:
        address = f"{type_}.{label}"
        planned.append({"address": address, "mode": "managed", "type": type_, "name": label,
                        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                        "values": values, "sensitive_values": {}})
        changes.append({"address": address, "mode": "managed", "type": type_, "name": label,
                        "provider_name": "registry.terraform.io/hashicorp/aws",
                        "change": {"actions": ["create"], "before": None, "after": values,
                                   "after_unknown": unknown, "before_sensitive": False, "after_sensitive": {}}})
        config.append({"address": address, "mode": "managed", "type": type_, "name": label,
                       "provider_config_key": "aws", "schema_version": 0, "expressions": expressions})

    def doc(statements: list[dict]) -> str:
        return json.dumps({"Statement": statements, "Version": "2012-10-17"}, sort_keys=True, separators=(",", ":"))

    while True:
        index += 1
        word = f"{rng.choice(WORDS)}{index}"
        kind = rng.choice(["role", "role", "bucket", "user"])
        if kind == "role":
            principal = ({"AWS": f"arn:aws:iam::{account_id(rng)}:root"} if rng.random() < P_CROSS_ACCOUNT_TRUST
                         else {"Service": rng.choice(TRUST_SERVICES)})
            trust = doc([{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": principal}])
            add("aws_iam_role", word, {"name": f"{name}-{word}", "path": "/", "max_session_duration": 3600,
                                       "assume_role_policy": trust, "permissions_boundary": None, "tags": None},
                {"arn": True, "id": True, "unique_id": True}, {"name": {"constant_value": f"{name}-{word}"},
                                                               "assume_role_policy": {}})
            arn = ADMIN_MANAGED if rng.random() < P_ADMIN_MANAGED * 2 else rng.choice(SCOPED_MANAGED)
            add("aws_iam_role_policy_attachment", word, {"role": f"{name}-{word}", "policy_arn": arn}, {"id": True},
                {"role": {"references": [f"aws_iam_role.{word}.name", f"aws_iam_role.{word}"]},
                 "policy_arn": {"constant_value": arn}})
        elif kind == "bucket":
            bucket = f"{name}-{word}-{account}"
            if rng.random() < P_PUBLIC_PRINCIPAL * 2:
                statement: dict = {"Action": "s3:GetObject", "Effect": "Allow", "Principal": "*",
                                   "Resource": f"arn:aws:s3:::{bucket}/*", "Sid": "PublicRead"}
            else:
                statement = {"Action": ["s3:GetObject", "s3:ListBucket"], "Effect": "Allow",
                             "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                             "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"], "Sid": "AccountRead"}
            add("aws_s3_bucket", word, {"bucket": bucket, "force_destroy": False, "tags": None},
                {"arn": True, "id": True}, {"bucket": {"constant_value": bucket}})
            add("aws_s3_bucket_policy", word, {"bucket": bucket, "policy": doc([statement])}, {"id": True},
                {"bucket": {"references": [f"aws_s3_bucket.{word}.id", f"aws_s3_bucket.{word}"]}, "policy": {}})
        else:
            user = f"{name}-{word}"
            add("aws_iam_user", word, {"name": user, "path": "/service/", "tags": None},
                {"arn": True, "id": True, "unique_id": True}, {"name": {"constant_value": user}})
            service = rng.choice(ACTION_SETS)
            actions = "*" if rng.random() < P_ADMIN_STATEMENT * 2 else pick_actions(rng, service, True)
            add("aws_iam_user_policy", word, {"name": "access", "user": user, "policy": doc(
                [{"Action": actions, "Effect": "Allow", "Resource": "*" if actions == "*" else
                  f"arn:aws:{service[0]}:eu-west-1:{account}:{word}*"}])}, {"id": True},
                {"user": {"references": [f"aws_iam_user.{word}.name", f"aws_iam_user.{word}"]}, "policy": {}})
            if rng.random() < P_ACCESS_KEY:
                add("aws_iam_access_key", word, {"user": user, "status": "Active", "pgp_key": None},
                    {"id": True, "secret": True, "ses_smtp_password_v4": True},
                    {"user": {"references": [f"aws_iam_user.{word}.name", f"aws_iam_user.{word}"]}})
        plan = {
            "format_version": "1.2",
            "terraform_version": "1.9.8",
            "variables": {"region": {"value": "eu-west-1"}},
            "planned_values": {"root_module": {"resources": planned}},
            "resource_changes": changes,
            "configuration": {
                "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                            "expressions": {"region": {"references": ["var.region"]}}}},
                "root_module": {"resources": config, "variables": {"region": {"default": "eu-west-1"}}}},
            "timestamp": "2026-01-15T10:00:00Z",
            "applyable": True, "complete": True, "errored": False,
        }
        text = json.dumps(plan, indent=2) + "\n"
        if text.count("\n") >= target or index > 200:
            return text


# ---------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------

def split_budget(files: int) -> tuple[int, int, int]:
    """(terraform, cloudformation, plan) file counts for a total of ``files``."""
    plans = round(files * PLAN_SHARE)
    if files >= 4:
        plans = max(plans, 1)
    cfn = max(1, round(files * CFN_SHARE)) if files >= 2 else 0
    terraform = files - plans - cfn
    if terraform < 2 and files >= 4:  # a module needs at least two files
        cfn -= 2 - terraform
        terraform = 2
    elif terraform < 2:  # too few files for a module: templates only
        cfn += terraform
        terraform = 0
    return terraform, cfn, plans


def generate_corpus(files: int, seed: int) -> dict[str, str]:
    """Relative path -> text of every file of the corpus."""
    rng = random.Random(seed)
    terraform_budget, cfn_count, plan_count = split_budget(files)
    corpus: dict[str, str] = {}
    if terraform_budget >= 2:
        corpus.update(generate_terraform(random.Random(rng.random()), terraform_budget))
    cfn_rng = random.Random(rng.random())
    json_every = round(1 / CFN_JSON_SHARE)
    for index in range(cfn_count):
        as_json = index % json_every == json_every - 1
        team = cfn_rng.choice(TEAMS)
        name = f"{cfn_rng.choice(SERVICES)}-{index + 1:03d}"
        text = CfnTemplate(cfn_rng, name).build(as_json, line_target(cfn_rng))
        corpus[f"cloudformation/{team}/{name}.{'json' if as_json else 'yaml'}"] = text
    plan_rng = random.Random(rng.random())
    for index in range(plan_count):
        name = f"{plan_rng.choice(SERVICES)}-{index + 1:03d}"
        corpus[f"plans/{name}.plan.json"] = generate_plan(plan_rng, name, line_target(plan_rng))
    return corpus


def kind_of(relative: str) -> str | None:
    """Which corpus kind a file belongs to (by the layout generate_corpus writes)."""
    parts = relative.replace(os.sep, "/").split("/")
    if parts[0] == "terraform":
        if relative.endswith(".tf"):
            return "terraform"
        if relative.endswith(".json"):
            return "terraform-policy-json"
    if parts[0] == "cloudformation":
        return "cloudformation-json" if relative.endswith(".json") else "cloudformation-yaml"
    if parts[0] == "plans" and relative.endswith(".json"):
        return "terraform-plan"
    return None


def count_corpus(directory: Path) -> dict[str, dict[str, int]]:
    """Files and lines per kind for a generated corpus directory."""
    counts: dict[str, dict[str, int]] = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        kind = kind_of(path.relative_to(directory).as_posix())
        if kind is None:
            continue
        entry = counts.setdefault(kind, {"files": 0, "lines": 0})
        entry["files"] += 1
        entry["lines"] += path.read_bytes().count(b"\n")
    return counts


def write_corpus(out_dir: Path, files: int, seed: int, clean: bool = False) -> dict[str, dict[str, int]]:
    if out_dir.exists() and any(out_dir.iterdir()):
        if not clean:
            raise SystemExit(f"generate.py: {out_dir} is not empty (use --clean to replace it)")
        shutil.rmtree(out_dir)
    for relative, text in generate_corpus(files, seed).items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    return count_corpus(out_dir)


def format_counts(counts: dict[str, dict[str, int]]) -> str:
    rows = [f"{'kind':<24}{'files':>7}{'lines':>9}"]
    for kind in sorted(counts):
        rows.append(f"{kind:<24}{counts[kind]['files']:>7}{counts[kind]['lines']:>9}")
    rows.append(f"{'total':<24}{sum(c['files'] for c in counts.values()):>7}"
                f"{sum(c['lines'] for c in counts.values()):>9}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a deterministic IaC corpus for benchmarks.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--files", type=int, required=True, help="number of files to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clean", action="store_true", help="replace OUT_DIR if it is not empty")
    args = parser.parse_args(argv)
    if args.files < 1:
        parser.error("--files must be at least 1")
    counts = write_corpus(args.out_dir, args.files, args.seed, args.clean)
    print(format_counts(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
