"""The catalogue of resource types (iacguard/catalogue.py): its rows are consistent, what is
generated from it is current, and the format-neutral views read both formats alike."""

from __future__ import annotations

import fnmatch
import re

import pytest

from helpers import ROOT
from iacguard import catalogue
from iacguard.resource import CLOUDFORMATION, TERRAFORM, Resource
from iacguard.resource_views import (access_key, default_value, identity_provider, login_profile, output_value,
                                     policy_attached_to, policy_bucket, ssm_parameter)
from iacguard.values import PDict, Unknown


def test_each_resource_type_is_in_one_row_named_like_its_constant():
    spelled = [rtype for kind in catalogue.KINDS for _fmt, rtype, _held in kind.spellings()]
    assert len(spelled) == len(set(spelled)) == len(catalogue.KIND_OF)
    constants = {name: value for name, value in vars(catalogue).items() if isinstance(value, catalogue.Kind)}
    assert sorted(constants) == sorted(kind.name.upper() for kind in catalogue.KINDS)
    for kind in catalogue.KINDS:
        assert all(t.startswith("AWS::") and t.count("::") == 2 for t in kind.cloudformation), kind.name
        assert all(re.fullmatch(r"aws_[a-z0-9_]+", t) for t in kind.terraform), kind.name
        assert kind.cfn or kind.tf or kind.arns, f"{kind.name} holds nothing"
        assert not (kind.cfn and not kind.cloudformation) and not (kind.tf and not kind.terraform), kind.name
        # one spelling of each thing per format (not-modelled properties may be several)
        for holds in (kind.cfn, kind.tf):
            kinds_held = [type(h) for h in holds if not isinstance(h, catalogue.NotModelled)]
            assert len(kinds_held) == len(set(kinds_held)), kind.name
        assert all(type(h) in catalogue.HOLDING for h in kind.cfn + kind.tf)
        needs_service = any(isinstance(h, (catalogue.ResourcePolicy, catalogue.LambdaPermission))
                            for h in kind.cfn + kind.tf)
        assert needs_service == (kind.service is not None), kind.name


def test_arn_shapes_name_known_holes():
    from iacguard import arns

    for (rtype, _attribute), shape in catalogue.arn_shapes().items():
        assert catalogue.KIND_OF[rtype].terraform
        assert set(re.findall(r"\{(\w+)\}", shape)) <= set(arns._HOLES), shape
        assert shape.startswith("arn:{partition}:")


def test_views_are_built_once_and_looked_up_by_type():
    from iacguard.iam import model

    # a type added to the catalogue reaches the model's tables without another edit
    for rtype, (policy, target, service) in model.RESOURCE_POLICY_TYPES.items():
        spelling = catalogue.spellings(catalogue.ResourcePolicy)[rtype]
        assert (spelling.policy, spelling.target, catalogue.KIND_OF[rtype].service) == (policy, target, service)
    assert set(model.PRINCIPAL_TYPES) == set(catalogue.types_holding(catalogue.Principal))
    assert model.NOT_MODELLED_POLICY_PROPERTIES == catalogue.not_modelled()


def test_hook_targets_cover_every_type_within_the_limit():
    types = catalogue.hook_types()
    targets = catalogue.hook_targets()
    assert len(targets) <= catalogue.HOOK_TARGET_LIMIT == 50
    assert not [t for t in types if not any(fnmatch.fnmatchcase(t, n) for n in targets)]
    # a smaller limit needs wider wildcards and still covers everything; an impossible one says so
    narrow = catalogue.hook_targets(45)
    assert len(narrow) <= 45 and all(any(fnmatch.fnmatchcase(t, n) for n in narrow) for t in types)
    with pytest.raises(ValueError):
        catalogue.hook_targets(1)
    # wildcards are kept for what the limit needs: with room for every type, none is used
    assert catalogue.hook_targets(len(types)) == types


def test_hook_template_is_generated_from_the_catalogue():
    text = (ROOT / catalogue.HOOK_TEMPLATE).read_text(encoding="utf-8")
    assert catalogue.hook_template(text) == text, \
        "the hook's TargetNames are stale: run `python -m iacguard.catalogue hook-targets --write`"


def test_resource_types_page_is_current():
    committed = (ROOT / catalogue.DOCS_PAGE).read_text(encoding="utf-8")
    assert committed == catalogue.docs_page(), \
        "docs/resource-types.md is stale: run `python -m iacguard.catalogue docs --write`"
    for rtype in catalogue.KIND_OF:
        assert f"| `{rtype}` |" in committed


def test_main_prints_and_refuses_unknown_commands(capsys):
    assert catalogue.main(["hook-targets"]) == 0
    assert capsys.readouterr().out.split() == catalogue.hook_targets()
    assert catalogue.main(["nonsense"]) == 2
    assert "usage" in capsys.readouterr().err


def _resource(rtype: str, properties: dict, source: str = "", line: int = 3, mode: str = "managed") -> Resource:
    source = source or (CLOUDFORMATION if rtype.startswith("AWS::") else TERRAFORM)
    return Resource("r", rtype, properties, "f", line, line + 4, source, mode=mode)


def test_access_key_view_reads_both_spellings():
    cfn = access_key(_resource("AWS::IAM::AccessKey", {"UserName": "ci", "Status": "Inactive"}))
    tf = access_key(_resource("aws_iam_access_key", {"user": "ci", "status": "Inactive"}))
    assert (cfn.user, cfn.status) == (tf.user, tf.status) == ("ci", "Inactive")
    # the other format's spelling is not read: a CloudFormation key has no "status"
    assert access_key(_resource("AWS::IAM::AccessKey", {"status": "Inactive"})).status is None
    assert access_key(_resource("aws_iam_user", {"name": "ci"})) is None


def test_login_profile_view_reads_a_block_or_a_resource():
    block = PDict({"Password": "hunter2", "PasswordResetRequired": True})
    block.line = 9
    cfn = login_profile(_resource("AWS::IAM::User", {"LoginProfile": block}))
    assert (cfn.password, cfn.password_reset_required, cfn.user, cfn.line) == ("hunter2", True, None, 9)
    assert (cfn.password_property, cfn.password_reset_property, cfn.pgp_key_property) == \
        ("LoginProfile.Password", "LoginProfile.PasswordResetRequired", None)
    assert login_profile(_resource("AWS::IAM::User", {"UserName": "x"})) is None
    flag = Unknown("var.reset")
    tf = login_profile(_resource("aws_iam_user_login_profile", {"user": "ana", "password_reset_required": flag}))
    assert (tf.user, tf.password, tf.password_reset_required, tf.pgp_key, tf.line) == ("ana", None, flag, None, 3)
    assert (tf.password_reset_property, tf.pgp_key_property) == ("password_reset_required", "pgp_key")


def test_identity_provider_ssm_parameter_and_block_views():
    assert identity_provider(_resource("AWS::IAM::OIDCProvider", {"Url": "https://x"})).url == "https://x"
    assert identity_provider(_resource("aws_iam_openid_connect_provider", {"url": "https://y"})).url == "https://y"
    assert identity_provider(_resource("aws_iam_saml_provider", {})).protocol == "saml"
    assert identity_provider(_resource("aws_iam_role", {})) is None
    assert ssm_parameter(_resource("aws_ssm_parameter", {"type": "String", "insecure_value": "v"})).values == \
        (("insecure_value", "v"),)
    cfn_parameter = ssm_parameter(_resource("AWS::SSM::Parameter", {"Type": "String", "Value": "v"}))
    assert cfn_parameter.values == (("Value", "v"),)
    output = output_value(_resource("Out", {"Value": 1}, source=CLOUDFORMATION, mode="output"))
    assert (output.property, output.value) == ("Value", 1)
    assert default_value(_resource("var", {"default": "d"}, source=TERRAFORM, mode="variable")).value == "d"
    assert default_value(_resource("P", {"Default": "d"}, source=CLOUDFORMATION, mode="parameter")).value == "d"


def test_policy_bucket_and_attached_users():
    assert policy_bucket(_resource("AWS::S3::BucketPolicy", {"Bucket": "b"})) == "b"
    assert policy_bucket(_resource("aws_s3_bucket_policy", {"bucket": "b"})) == "b"
    assert policy_bucket(_resource("aws_sqs_queue_policy", {"queue_url": "q"})) is None
    managed = _resource("AWS::IAM::ManagedPolicy", {"Users": ["ana"], "Roles": ["r"]})
    assert (policy_attached_to(managed, "user"), policy_attached_to(managed, "role")) == (["ana"], ["r"])
    assert policy_attached_to(_resource("aws_iam_policy", {"name": "p"}), "user") is None
