"""Tests for the Terraform plan JSON loader (iacguard.loaders.plan)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iacguard.errors import InputError
from iacguard.jsonpos import loads_positioned
from iacguard.loaders.plan import load_plan, looks_like_plan, strip_instance_keys
from iacguard.resource import TERRAFORM_PLAN
from iacguard.values import Encoded, PDict, Ref, Unknown

FIXTURES = Path(__file__).parent / "fixtures" / "plan"


def load_fixture(name: str, **kwargs):
    data = loads_positioned((FIXTURES / name).read_text())
    return load_plan(data, f"plans/{name}", **kwargs)


def by_address(result) -> dict:
    return {r.address: r for r in result.resources}


def line_of_text(name: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``needle`` in a fixture (keeps tests honest
    when fixtures are edited)."""
    seen = 0
    for number, line in enumerate((FIXTURES / name).read_text().splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {name}")


# -- the realistic plan ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def modules_plan():
    return load_fixture("modules_plan.json")


def test_exact_resource_set_and_order(modules_plan):
    assert modules_plan.errors == []
    assert [r.address for r in modules_plan.resources] == [
        "aws_iam_role.deployer",
        "aws_iam_role.ci",
        "aws_iam_role_policy_attachment.deployer_admin",
        "aws_iam_role_policy_attachment.ci_power",
        "aws_s3_bucket.data",
        "aws_iam_policy.bucket_access[0]",
        "aws_iam_policy.bucket_access[1]",
        'aws_iam_user.team["alice"]',
        'aws_iam_user.team["bob.smith"]',
        "data.aws_iam_policy_document.bucket",
        "module.team[0].aws_iam_role.app",
        "module.team[0].aws_iam_role_policy.app",
        "module.team[0].module.inner.aws_iam_group.ops",
        # data sources read while planning: only in prior_state
        "data.aws_caller_identity.current",
        "module.team[0].data.aws_iam_policy_document.trust",
    ]
    assert modules_plan.files == ["plans/modules_plan.json"]


def test_deleted_resources_are_dropped_even_when_in_planned_values(modules_plan):
    addresses = {r.address for r in modules_plan.resources}
    assert "aws_iam_user.old" not in addresses          # in planned_values, change is delete
    assert "aws_iam_role.legacy" not in addresses       # prior_state managed resource being deleted
    # a deposed object being deleted must not take the current instance with it
    assert "aws_iam_role.deployer" in addresses
    # replacement keeps the resource
    assert by_address(modules_plan)["aws_iam_role.ci"].metadata == {"actions": ["delete", "create"]}


def test_base_address_mode_and_common_fields(modules_plan):
    resources = by_address(modules_plan)
    expected = {
        "aws_iam_policy.bucket_access[1]": ("aws_iam_policy.bucket_access", "managed", "aws_iam_policy"),
        'aws_iam_user.team["bob.smith"]': ("aws_iam_user.team", "managed", "aws_iam_user"),
        "module.team[0].module.inner.aws_iam_group.ops": (
            "module.team.module.inner.aws_iam_group.ops", "managed", "aws_iam_group"),
        "module.team[0].data.aws_iam_policy_document.trust": (
            "module.team.data.aws_iam_policy_document.trust", "data", "aws_iam_policy_document"),
        "data.aws_iam_policy_document.bucket": (
            "data.aws_iam_policy_document.bucket", "data", "aws_iam_policy_document"),
    }
    for address, (base, mode, type_) in expected.items():
        resource = resources[address]
        assert (resource.base_address, resource.mode, resource.type) == (base, mode, type_)
    for resource in modules_plan.resources:
        assert resource.source == TERRAFORM_PLAN
        assert resource.file == "plans/modules_plan.json"
        assert resource.group == "plans/modules_plan.json"
        assert isinstance(resource.properties, PDict)


def test_resource_line_is_its_object_in_the_plan(modules_plan):
    resources = by_address(modules_plan)
    name = "modules_plan.json"
    # each resource object opens on the line before its "address" line
    assert resources["aws_iam_role.deployer"].line == line_of_text(name, '"address": "aws_iam_role.deployer"') - 1
    assert resources["module.team[0].aws_iam_role_policy.app"].line == \
        line_of_text(name, '"address": "module.team[0].aws_iam_role_policy.app"') - 1
    assert resources["data.aws_caller_identity.current"].line == \
        line_of_text(name, '"address": "data.aws_caller_identity.current"') - 1


def test_known_values_and_policy_strings_stay_strings(modules_plan):
    deployer = by_address(modules_plan)["aws_iam_role.deployer"]
    assert deployer.properties["name"] == "deployer"
    assert deployer.properties["max_session_duration"] == 3600
    policy = deployer.properties["assume_role_policy"]
    assert type(policy) is str
    assert json.loads(policy)["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}


def test_after_unknown_leaves_the_configuration_writes_become_unknown(modules_plan):
    resources = by_address(modules_plan)
    # the policy's expression mentions two resources: the whole string is unknown
    policy = resources["aws_iam_policy.bucket_access[1]"].properties["policy"]
    assert type(policy) is Unknown
    assert policy.text == "aws_iam_policy.bucket_access[1].policy"  # instance keys are part of the text
    assert policy.reason == "known after apply"
    # unknown list element (null in `after`) inside a nested block
    statement = resources["data.aws_iam_policy_document.bucket"].properties["statement"][0]
    assert statement["actions"] == ["s3:GetObject", "s3:PutObject"]   # `false` leaves stay known


def test_attributes_only_the_provider_computes_are_unset(modules_plan):
    """arn, id, unique_id are unknown in after_unknown but not written by the configuration:
    absent, as in the HCL loader, not holes."""
    deployer = by_address(modules_plan)["aws_iam_role.deployer"].properties
    assert "arn" not in deployer and "id" not in deployer and "unique_id" not in deployer
    assert deployer["name"] == "deployer"


def test_unknown_attachment_role_becomes_ref_to_role_name(modules_plan):
    role = by_address(modules_plan)["aws_iam_role_policy_attachment.ci_power"].properties["role"]
    assert isinstance(role, Ref)
    assert (role.target, role.attr) == ("aws_iam_role.ci", "name")


def test_known_value_is_not_replaced_by_ref(modules_plan):
    attachment = by_address(modules_plan)["aws_iam_role_policy_attachment.deployer_admin"]
    assert attachment.properties["role"] == "deployer"
    assert not isinstance(attachment.properties["role"], Unknown)


def test_ref_inside_module_gets_absolute_base_address(modules_plan):
    role = by_address(modules_plan)["module.team[0].aws_iam_role_policy.app"].properties["role"]
    assert isinstance(role, Ref)
    assert (role.target, role.attr) == ("module.team.aws_iam_role.app", "id")


def test_ref_in_nested_block_list_to_a_deferred_document_gets_the_document(modules_plan):
    inline = by_address(modules_plan)["aws_iam_role.ci"].properties["inline_policy"]
    assert inline[0]["name"] == "ci-inline"
    document = inline[0]["policy"]
    assert isinstance(document, Encoded)
    assert document.value["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": [Ref("aws_s3_bucket.data", "arn")]}]
    assert by_address(modules_plan)["data.aws_iam_policy_document.bucket"].properties["json"] is document


def test_single_unknown_list_element_gets_the_ref(modules_plan):
    statement = by_address(modules_plan)["data.aws_iam_policy_document.bucket"].properties["statement"][0]
    assert statement["resources"] == [Ref("aws_s3_bucket.data", "arn")]


def test_several_resources_keep_unknown_with_all_refs(modules_plan):
    resources = by_address(modules_plan)
    for index in (0, 1):
        policy = resources[f"aws_iam_policy.bucket_access[{index}]"].properties["policy"]
        assert type(policy) is Unknown
        assert policy.text == f"aws_iam_policy.bucket_access[{index}].policy"
        assert set(policy.refs) == {Ref("aws_s3_bucket.data", "arn"), Ref("aws_kms_key.data", "arn")}


def test_non_resource_references_are_ignored(modules_plan):
    # name = "...${count.index}" and name = each.key are known in the plan and stay so
    resources = by_address(modules_plan)
    assert resources["aws_iam_policy.bucket_access[0]"].properties["name"] == "bucket-access-0"
    assert resources['aws_iam_user.team["alice"]'].properties["name"] == "alice"
    # policy_arn = var.power_arn is known; no Ref invented
    assert resources["aws_iam_role_policy_attachment.ci_power"].properties["policy_arn"] == \
        "arn:aws:iam::aws:policy/PowerUserAccess"


def test_caller_data_is_not_modified():
    data = loads_positioned((FIXTURES / "modules_plan.json").read_text())
    before = copy.deepcopy(data)
    first = load_plan(data, "p.json")
    assert data == before
    second = load_plan(data, "p.json")
    assert [r.address for r in first.resources] == [r.address for r in second.resources]


def test_group_override():
    result = load_fixture("modules_plan.json", group="stack-a")
    assert {r.group for r in result.resources} == {"stack-a"}


# -- plans without planned_values, list unknowns, delete/forget -----------------------------------

def test_changes_only_plan_loads_from_after():
    result = load_fixture("changes_only_plan.json")
    assert [(e.message, e.line) for e in result.errors] == [
        ("plan has no planned_values; resources are taken from resource_changes", 1)]
    resources = by_address(result)
    assert list(resources) == ['aws_iam_role.r["x"]', "aws_iam_policy.p"]   # delete and forget dropped
    role = resources['aws_iam_role.r["x"]']
    assert role.base_address == "aws_iam_role.r"
    assert role.line == 4
    # [false, true] in after_unknown: the known element stays, the null one is the policy's ARN
    assert role.properties["managed_policy_arns"] == [
        "arn:aws:iam::aws:policy/ReadOnlyAccess", Ref("aws_iam_policy.p", "arn")]


def test_after_unknown_creates_missing_containers():
    plan = {
        "format_version": "1.2",
        "resource_changes": [{
            "address": "aws_iam_role.r", "type": "aws_iam_role", "mode": "managed",
            "change": {"actions": ["create"], "after": {"name": "r"},
                       "after_unknown": {"inline_policy": [{"policy": True}], "tags_all": {"a b": True},
                                         "ids": [False, False, True]}}}],
    }
    props = load_plan(plan, "p.json").resources[0].properties
    assert props["inline_policy"][0]["policy"] == Unknown('aws_iam_role.r.inline_policy[0].policy')
    assert props["tags_all"]["a b"].text == 'aws_iam_role.r.tags_all["a b"]'
    assert props["ids"] == [None, None, Unknown("aws_iam_role.r.ids[2]")]


def test_whole_unknown_block_keeps_refs_from_nested_expressions():
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [
            {"address": "module.m.aws_iam_role.r", "type": "aws_iam_role", "mode": "managed",
             "values": {"name": "r"}}]}},
        "resource_changes": [{
            "address": "module.m.aws_iam_role.r", "change": {
                "actions": ["create"], "after": {"name": "r"}, "after_unknown": {"inline_policy": True}}}],
        "configuration": {"root_module": {"module_calls": {"m": {"module": {"resources": [
            {"address": "aws_iam_role.r", "expressions": {
                "inline_policy": [{"policy": {"references": ["aws_iam_policy.p.policy", "aws_iam_policy.p"]}}],
            }}]}}}}},
    }
    inline = load_plan(plan, "p.json").resources[0].properties["inline_policy"]
    assert type(inline) is Unknown
    assert inline.text == "module.m.aws_iam_role.r.inline_policy"
    assert inline.refs == (Ref("module.m.aws_iam_policy.p", "policy"),)


def test_deep_attribute_reference_is_not_an_exact_ref():
    plan = {
        "format_version": "1.2",
        "resource_changes": [{
            "address": "aws_iam_user.u", "type": "aws_iam_user", "mode": "managed",
            "change": {"actions": ["create"], "after": {}, "after_unknown": {"name": True}}}],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_iam_user.u", "expressions": {"name": {"references": [
                'aws_iam_role.r["k"].tags.Owner', 'aws_iam_role.r["k"].tags', 'aws_iam_role.r["k"]',
                "aws_iam_role.r"]}}}]}},
    }
    name = load_plan(plan, "p.json").resources[0].properties["name"]
    assert type(name) is Unknown
    assert name.refs == (Ref("aws_iam_role.r", "tags"),)
    assert name.refs[0].text == "aws_iam_role.r.tags.Owner"


def test_absent_planned_value_with_reference_becomes_ref():
    # no change entry at all (e.g. a hand-trimmed plan): absent attribute, reference in config
    plan = {
        "format_version": "1.0",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_iam_group_membership.m", "type": "aws_iam_group_membership",
             "values": {"users": ["alice"]}}]}},
        "configuration": {"root_module": {"resources": [
            {"address": "aws_iam_group_membership.m", "expressions": {
                "group": {"references": ["aws_iam_group.ops.name", "aws_iam_group.ops"]},
                "users": {"references": ["aws_iam_user.alice.name", "aws_iam_user.alice"]}}}]}},
    }
    props = load_plan(plan, "p.json").resources[0].properties
    assert props["group"] == Ref("aws_iam_group.ops", "name")
    assert props["users"] == ["alice"]   # known list stays as is


# -- malformed input ------------------------------------------------------------------------------

def test_malformed_plan_reports_each_problem_with_its_line_and_loads_the_rest():
    result = load_fixture("malformed_plan.json")
    name = "malformed_plan.json"
    errors = {(e.message, e.line) for e in result.errors}
    assert all(isinstance(e, InputError) and e.file == "plans/malformed_plan.json" for e in result.errors)
    assert errors == {
        ("resource aws_iam_role.no_type has no type", line_of_text(name, "aws_iam_role.no_type") - 1),
        ("resource entry is not an object", line_of_text(name, '"resources": [')),
        ("values of aws_iam_role.bad_values is not an object", line_of_text(name, '"values": [ "oops" ]')),
        ("resource aws_iam_role.weird_mode has unknown mode 'ephemeral-ish'",
         line_of_text(name, "aws_iam_role.weird_mode") - 1),
        ("resource without an address", line_of_text(name, '"values": { "name": "anonymous" }') - 1),
        ("duplicate resource address aws_iam_user.good", line_of_text(name, '"address": "aws_iam_user.good"', 2) - 1),
        ("resources of module.broken is not a list", line_of_text(name, "module.broken")),
        ("child_modules of module.ok is not a list", line_of_text(name, '"address": "module.ok"') - 1),
        ("resource change without an address", line_of_text(name, '{ "mode": "managed", "type": "aws_iam_user", "change"')),
        ("resource change aws_iam_user.good has no valid actions list", line_of_text(name, '"actions": "create"')),
        ("resource change module.ok.aws_iam_group.g has no change object", line_of_text(name, '"change": "not-an-object"')),
        ("resource change is not an object", line_of_text(name, '"resource_changes": [')),
        ("configured resource is not an object", line_of_text(name, '"resources": [ "junk"')),
        ("module_calls is not an object", line_of_text(name, '"module_calls": [')),
    }
    resources = by_address(result)
    assert list(resources) == ["aws_iam_role.bad_values", "aws_iam_user.good", "module.ok.aws_iam_group.g",
                               "module.ok.data.aws_iam_policy_document.d"]
    assert resources["aws_iam_role.bad_values"].properties == {}
    assert resources["aws_iam_user.good"].properties["name"] == "good"     # first one wins
    assert resources["module.ok.aws_iam_group.g"].mode == "managed"        # mode inferred from address
    assert resources["module.ok.data.aws_iam_policy_document.d"].mode == "data"


@pytest.mark.parametrize("version, message", [
    ("2.0", "unsupported plan format_version 2.0: only 0.x (Terraform 0.12 to 1.0) and 1.x (Terraform 1.1 and "
            "later, OpenTofu) are understood"),
    ("10.1", "unsupported plan format_version 10.1: only 0.x (Terraform 0.12 to 1.0) and 1.x (Terraform 1.1 "
             "and later, OpenTofu) are understood"),
    (None, "plan format_version must be a version string like \"1.2\", got None"),
    (1.2, "plan format_version must be a version string like \"1.2\", got 1.2"),
    ("v1", "plan format_version must be a version string like \"1.2\", got 'v1'"),
])
def test_format_version_must_be_major_1(version, message):
    text = json.dumps({"format_version": version, "planned_values": {"root_module": {"resources": [
        {"address": "aws_iam_role.r", "type": "aws_iam_role", "values": {}}]}}})
    result = load_plan(loads_positioned(text), "p.json")
    assert result.resources == []
    assert [(e.message, e.line) for e in result.errors] == [(message, 1)]


@pytest.mark.parametrize("data", [[], "plan", None, 3])
def test_non_object_plan(data):
    result = load_plan(data, "p.json")
    assert result.resources == []
    assert [e.message for e in result.errors] == ["plan JSON must be an object"]


def test_ill_typed_sections_become_errors():
    text = json.dumps({"format_version": "1.2", "planned_values": [], "resource_changes": {},
                       "prior_state": "x", "configuration": 5}, indent=1)
    result = load_plan(loads_positioned(text), "p.json")
    assert result.resources == []
    assert sorted(e.message for e in result.errors) == [
        "configuration is not an object", "planned_values is not an object",
        "prior_state is not an object", "resource_changes is not a list"]
    assert [e.line for e in result.errors if e.message == "planned_values is not an object"] == [3]


def test_empty_plan_loads_nothing_without_errors():
    result = load_plan({"format_version": "1.2", "planned_values": {"outputs": {}}, "resource_changes": []},
                       "p.json")
    assert result.resources == [] and result.errors == []


# -- helpers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("address, base", [
    ('module.m.aws_iam_role.r["a"]', "module.m.aws_iam_role.r"),
    ("module.m[0].aws_iam_role.x", "module.m.aws_iam_role.x"),
    ('module.a["k"].module.b[2].data.aws_iam_policy_document.d[0]',
     "module.a.module.b.data.aws_iam_policy_document.d"),
    ('aws_iam_role.r["weird].[key"]', "aws_iam_role.r"),
    ('aws_iam_role.r["esc\\"]"]', "aws_iam_role.r"),
    ("aws_iam_role.r", "aws_iam_role.r"),
])
def test_strip_instance_keys(address, base):
    assert strip_instance_keys(address) == base


def test_looks_like_plan():
    assert looks_like_plan({"format_version": "1.2", "planned_values": {}})
    assert looks_like_plan({"format_version": "1.2", "resource_changes": []})
    assert not looks_like_plan({"format_version": "1.0", "values": {}})   # a state, not a plan
    assert not looks_like_plan({"AWSTemplateFormatVersion": "2010-09-09"})
    assert not looks_like_plan([{"format_version": "1.2", "planned_values": {}}])


# -- robustness: never a traceback ----------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["address", "type", "mode", "values", "resources", "child_modules", "change",
                         "actions", "after", "after_unknown", "expressions", "references",
                         "module_calls", "module", "root_module", "deposed", "x"]),
        children, max_size=5),
    max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(planned=_json_values, changes=_json_values, configuration=_json_values, prior=_json_values)
def test_arbitrary_sections_never_raise(planned, changes, configuration, prior):
    data = {"format_version": "1.2", "planned_values": planned, "resource_changes": changes,
            "configuration": configuration, "prior_state": prior}
    result = load_plan(data, "p.json")
    assert all(isinstance(e, InputError) for e in result.errors)


def _plan_fixtures() -> list[dict]:
    """Every plan and state fixture of the suite (the mutation tests start from each)."""
    plans = []
    for path in sorted((FIXTURES).rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and ("resource_changes" in data or "planned_values" in data or "values" in data):
            plans.append(data)
    return plans


_PLAN_FIXTURES = _plan_fixtures()


def _mutated(data) -> dict:
    """A fixture plan with one to three random nodes replaced by random JSON values."""
    plan = copy.deepcopy(data.draw(st.sampled_from(_PLAN_FIXTURES)))
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, path + (index,))

    walk(plan, ())
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths[1:]))
        parent = plan
        try:
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = data.draw(_json_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier replacement removed this path
    return plan


def test_the_mutation_tests_start_from_every_kind_of_plan_fixture():
    assert len(_PLAN_FIXTURES) >= 8


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_fixture_never_raises(data):
    plan = _mutated(data)
    result = load_plan(loads_positioned(json.dumps(plan, indent=1)), "p.json")
    assert all(isinstance(e, InputError) for e in result.errors)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_mutated_fixture_scans_without_internal_error(data, tmp_path_factory):
    """The whole scan (model and checks too) over a mangled plan: input errors at most."""
    from iacguard.engine import scan
    from iacguard.errors import InternalError

    root = tmp_path_factory.mktemp("mutated")
    path = root / "plan.json"
    path.write_text(json.dumps(_mutated(data), indent=1))
    result = scan([str(path)], root=root)
    assert [str(e) for e in result.errors if isinstance(e, InternalError)] == []

@pytest.mark.parametrize("mangled", [[], {}, ["a"], None, 3])
def test_inline_policy_name_of_any_json_type_loads(mangled):
    # Found by the mutation test above: a role's inline block named by a list or an object
    # while an aws_iam_role_policy of the plan writes an inline policy of that role.
    plan = json.loads((FIXTURES / "modules_plan.json").read_text())
    role = plan["planned_values"]["root_module"]["resources"][1]
    assert role["type"] == "aws_iam_role"
    role["values"]["inline_policy"][0]["name"] = mangled
    assert any(c["type"] == "aws_iam_role_policy" for c in plan["resource_changes"])
    result = load_plan(loads_positioned(json.dumps(plan, indent=1)), "p.json")
    assert all(isinstance(e, InputError) for e in result.errors)
    assert role["address"] in by_address(result)

# -- real terraform output ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_plan():
    return load_fixture("terraform_data/plan.json")


def test_real_plan_resources(real_plan):
    assert real_plan.errors == []
    assert sorted(r.address for r in real_plan.resources) == sorted([
        "terraform_data.attach", 'terraform_data.each["a"]', 'terraform_data.each["b"]',
        "terraform_data.enc", "terraform_data.fixedkey", 'terraform_data.keyed["a"]',
        'terraform_data.keyed["b"]', "terraform_data.multi[0]", "terraform_data.multi[1]",
        "terraform_data.role", "module.team[0].terraform_data.app", "module.team[0].terraform_data.pol"])
    assert {r.line for r in real_plan.resources} == {1}    # terraform prints one line


def test_real_plan_references(real_plan):
    props = {r.address: r.properties for r in real_plan.resources}
    role_id = Ref("terraform_data.role", "id")
    # input = terraform_data.role.id
    assert props["terraform_data.attach"]["input"] == role_id
    assert isinstance(props["terraform_data.attach"]["input"], Ref)
    # input = terraform_data.each["a"].id: a fixed key is stripped from the target
    assert props["terraform_data.fixedkey"]["input"] == Ref("terraform_data.each", "id")
    # input = [each.key, terraform_data.role.id]: known element kept; each.key is mixed into the
    # expression, so the unknown element lists the role but is not claimed to be exactly it
    each_input = props['terraform_data.each["b"]']["input"]
    assert each_input[0] == "b"
    assert type(each_input[1]) is Unknown and each_input[1].refs == (role_id,)
    assert each_input[1].text == 'terraform_data.each["b"].input[1]'
    # input = "${terraform_data.role.id}-${count.index}": more than the attribute, so not a Ref
    multi = props["terraform_data.multi[1]"]["input"]
    assert type(multi) is Unknown and multi.refs == (role_id,)
    assert multi.text == "terraform_data.multi[1].input"
    # input = terraform_data.each[each.key].id: the attribute is behind a dynamic key
    keyed = props['terraform_data.keyed["a"]']["input"]
    assert type(keyed) is Unknown
    assert [(r.target, r.attr) for r in keyed.refs] == [("terraform_data.each", None)]
    # input = jsonencode({x = terraform_data.role.id}) cannot be told apart from a plain
    # reference in plan JSON (documented limitation): it becomes a Ref too
    assert props["terraform_data.enc"]["input"] == role_id
    # module.team[0]: input = terraform_data.app.output
    assert props["module.team[0].terraform_data.pol"]["input"] == Ref("module.team.terraform_data.app", "output")


def test_child_module_resources_written_relative_to_their_module_get_its_address():
    """Some Terraform 0.12 plans print a child module's prior-state resources relative to the
    module (``data.aws_region.current`` inside ``module.net``): they are that module's."""
    plan = {"format_version": "0.1", "planned_values": {"root_module": {}}, "resource_changes": [],
            "prior_state": {"format_version": "0.1", "values": {"root_module": {"child_modules": [
                {"address": "module.net", "resources": [
                    {"address": "data.aws_region.current", "mode": "data", "type": "aws_region", "name": "current",
                     "values": {"name": "eu-west-1"}}]}]}}},
            "configuration": {"root_module": {"module_calls": {"net": {"source": "./net", "module": {
                "resources": [{"address": "data.aws_region.current", "mode": "data", "type": "aws_region",
                               "name": "current", "expressions": {}}]}}}}}}
    loaded = load_plan(plan, "plan.json")
    assert loaded.errors == []
    assert [(r.address, r.base_address, r.properties["name"]) for r in loaded.resources] == [
        ("module.net.data.aws_region.current", "module.net.data.aws_region.current", "eu-west-1")]
