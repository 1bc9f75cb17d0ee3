"""iacguard.iam.sharing and IAG-EXT-009: resources shared by a setting (AMI launch permissions,
snapshot permissions, SSM documents, RAM shares), judged against the zone of trust."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from iacguard.engine import scan
from iacguard.iam.external import ANYONE, INSIDE, OUTSIDE, UNKNOWN, Zone
from iacguard.iam.sharing import organization_arn_party, ram_principal_party
from iacguard.settings import Settings
from iacguard.values import Unknown

ME, OTHER, MY_ORG, OTHER_ORG = "111122223333", "444455556666", "o-a1b2c3d4e5", "o-zz99yy88xx"
ZONE = Zone(frozenset({ME}), frozenset(), MY_ORG)


def findings(tmp_path: Path, files: dict[str, str], settings: Settings | None = None) -> list[tuple]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    # by default a zone of trust is configured (the deploying account): an account outside it is
    # then a high finding; without settings it is a low "unknown" one (tests/test_zone_unconfigured.py)
    result = scan([str(tmp_path)], settings or Settings(deploy_accounts=[ME]), root=tmp_path)
    assert not result.errors, result.errors
    return sorted((f.resource, f.line, f.severity) for f in result.findings if f.rule_id == "IAG-EXT-009")


@pytest.mark.parametrize("value, status", [
    (f"arn:aws:organizations::{ME}:organization/{MY_ORG}", INSIDE),
    (f"arn:aws:organizations::{OTHER}:organization/{OTHER_ORG}", OUTSIDE),
    (f"arn:aws:organizations::{ME}:ou/{MY_ORG}/ou-ab12-cdef3456", INSIDE),
    (f"arn:aws:organizations::{OTHER}:ou/{OTHER_ORG}/ou-ab12-cdef3456", OUTSIDE),
    (Unknown("data.aws_organizations_organization.current.arn"), INSIDE),
    (Unknown("aws_organizations_organizational_unit.workloads.arn"), INSIDE),
    (Unknown("var.org_arn"), UNKNOWN),
    ("not an arn", UNKNOWN),
])
def test_organization_arn_party(value, status):
    assert organization_arn_party(value, ZONE).status == status


@pytest.mark.parametrize("value, status", [
    (ME, INSIDE), (OTHER, OUTSIDE), (f"arn:aws:iam::{OTHER}:role/deployer", OUTSIDE),
    (f"arn:aws:iam::{ME}:role/deployer", INSIDE), ("ec2.amazonaws.com", INSIDE),
    (f"arn:aws:organizations::{OTHER}:organization/{OTHER_ORG}", OUTSIDE), (Unknown("var.principal"), UNKNOWN),
])
def test_ram_principal_party(value, status):
    assert ram_principal_party(value, ZONE).status == status


def test_every_sharing_setting_and_the_zone_of_trust(tmp_path):
    files = {"main.tf": f"""
        resource "aws_ami_launch_permission" "mine" {{
          image_id   = "ami-1"
          account_id = "{ME}"
        }}
        resource "aws_ami_launch_permission" "theirs_org" {{
          image_id         = "ami-1"
          organization_arn = "arn:aws:organizations::{OTHER}:organization/{OTHER_ORG}"
        }}
        resource "aws_ami_launch_permission" "our_ou" {{
          image_id                = "ami-1"
          organizational_unit_arn = "arn:aws:organizations::{ME}:ou/{MY_ORG}/ou-ab12-cdef3456"
        }}
        resource "aws_ssm_document" "listed" {{
          name          = "d"
          document_type = "Command"
          content       = "{{}}"
          permissions = {{
            type        = "Share"
            account_ids = "{ME}, {OTHER}"
          }}
        }}
        resource "aws_ssm_document" "private" {{
          name          = "p"
          document_type = "Command"
          content       = "{{}}"
        }}
    """}
    settings = Settings(deploy_accounts=[ME], organization_id=MY_ORG)
    assert findings(tmp_path, files, settings) == [
        ("aws_ami_launch_permission.theirs_org", 6, "medium"),  # another organisation, ours configured
        ("aws_ssm_document.listed", 18, "high"),                # OTHER only; ME is ours
    ]
    # without an organisation configured, an organisation is taken to be ours (as IAG-EXT-002 does)
    assert findings(tmp_path, {}, Settings(deploy_accounts=[ME])) == [("aws_ssm_document.listed", 18, "high")]


@pytest.mark.parametrize("share, reported", [
    ('allow_external_principals = true', True),
    ('allow_external_principals = false', False),
    ('', False),  # the provider's default: only the organisation
    ('allow_external_principals = var.external', True),  # not known: could be true
])
def test_ram_association_needs_a_share_that_allows_external_principals(tmp_path, share, reported):
    files = {"main.tf": f"""
        variable "external" {{ type = bool }}
        resource "aws_ram_resource_share" "s" {{
          name = "s"
          {share}
        }}
        resource "aws_ram_principal_association" "p" {{
          resource_share_arn = aws_ram_resource_share.s.arn
          principal          = "{OTHER}"
        }}
        resource "aws_ram_principal_association" "service" {{
          resource_share_arn = aws_ram_resource_share.s.arn
          principal          = "ec2.amazonaws.com"
        }}
    """}
    got = findings(tmp_path, files)
    assert got == ([("aws_ram_principal_association.p", 7, "high")] if reported else [])


def test_ram_association_with_a_share_outside_the_scan_is_judged_by_its_principal(tmp_path):
    files = {"main.tf": f"""
        variable "share_arn" {{ type = string }}
        resource "aws_ram_principal_association" "p" {{
          resource_share_arn = var.share_arn
          principal          = "{OTHER}"
        }}
    """}
    assert findings(tmp_path, files) == [("aws_ram_principal_association.p", 3, "high")]


@pytest.mark.parametrize("allow, reported", [(None, True), ("true", True), (True, True), (False, False), ("false", False)])
def test_cloudformation_ram_share_default_allows_external_principals(tmp_path, allow, reported):
    properties = {"Name": "s", "Principals": [OTHER]}
    if allow is not None:
        properties["AllowExternalPrincipals"] = allow
    template = {"Resources": {"Share": {"Type": "AWS::RAM::ResourceShare", "Properties": properties}}}
    got = findings(tmp_path, {"t.json": json.dumps(template, indent=1)})
    assert [r for r, _, _ in got] == (["Share"] if reported else [])


def test_plan_values_are_judged_the_same(tmp_path):
    plan = {"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {"root_module": {"resources": [
        {"address": "aws_db_snapshot.s", "mode": "managed", "type": "aws_db_snapshot", "name": "s",
         "values": {"db_instance_identifier": "db", "db_snapshot_identifier": "s", "shared_accounts": [OTHER]}},
        {"address": "aws_ssm_document.d", "mode": "managed", "type": "aws_ssm_document", "name": "d",
         "values": {"name": "d", "document_type": "Command", "content": "{}",
                    "permissions": {"type": "Share", "account_ids": "All"}}},
    ]}}}
    got = findings(tmp_path, {"plan.json": json.dumps(plan, indent=1)})
    assert [(r, s) for r, _, s in got] == [("aws_db_snapshot.s", "high"), ("aws_ssm_document.d", "critical")]
