"""Nothing hidden in YAML or transforms.

YAML merge keys (``<<: *anchor``) are expanded the way the packaging tools expand them, or
refused with a line; never read as a literal ``<<`` key that hides the merged properties."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.errors import InputError
from iacguard.loaders.cloudformation import parse_document

from helpers import scan_json

FIXTURES = Path(__file__).parent / "fixtures" / "cfn"
MERGE = FIXTURES / "yaml_merge"


def _findings(report: dict) -> set[tuple]:
    return {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]}


def _errors(report: dict) -> set[tuple]:
    return {(e["kind"], e["file"], e["line"], e["message"]) for e in report["errors"]}


# -- YAML merge keys ---------------------------------------------------------------------------

def test_merge_key_expands_properties_from_an_anchor_end_to_end():
    report, proc = scan_json("merged_role.yaml", "--fail-on", "critical", cwd=MERGE)
    findings = _findings(report)
    # the copy's admin policy came in through `<<: *role_props`; it was a literal key on main
    assert ("IAG-LP-001", "Copy", "merged_role.yaml", 17) in findings
    assert ("IAG-LP-001", "Base", "merged_role.yaml", 17) in findings
    assert not any(f[1] == "Scoped" for f in findings)  # Deny from the first merged mapping
    assert report["errors"] == []
    assert proc.returncode == 1


def test_merge_key_semantics_explicit_keys_win_then_the_earlier_merged_mapping():
    data = parse_document((MERGE / "merged_role.yaml").read_text(), "merged_role.yaml")
    copy = data["Resources"]["Copy"]["Properties"]
    assert "<<" not in copy
    assert copy["RoleName"] == "copy"
    assert copy["Policies"] is data["Resources"]["Base"]["Properties"]["Policies"]
    assert copy.key_lines["Policies"] == 13 and copy.key_lines["RoleName"] == 25
    statement = data["Resources"]["Scoped"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert dict(statement) == {"Resource": "arn:aws:s3:::bucket/*", "Action": "s3:GetObject",
                               "Effect": "Deny", "Sid": "FirstWins"}


@pytest.mark.parametrize("text, line, message", [
    ("a:\n  <<: 1\n", 2, "merge key '<<' must be given a mapping or a list of mappings"),
    ("a:\n  x: 1\n  <<: [{b: 1}, 2]\n", 3, "merge key '<<' must be given a mapping or a list of mappings"),
    ("a:\n  <<: !Ref Thing\n", 2, "merge key '<<' must be given a mapping or a list of mappings"),
    ("a:\n  <<: {b: 1}\n  <<: {c: 1}\n", 3, "more than one merge key '<<' in mapping"),
])
def test_merge_of_a_non_mapping_is_an_error_with_its_line(text, line, message):
    with pytest.raises(InputError) as raised:
        parse_document(text, "t.yaml")
    assert (raised.value.file, raised.value.line, raised.value.message) == ("t.yaml", line, message)


def test_a_quoted_merge_key_and_a_json_merge_key_stay_literal_keys():
    # YAML 1.1 merges only the plain `<<`; in JSON "<<" is an ordinary key
    assert parse_document("a:\n  '<<': {b: 1}\n", "t.yaml") == {"a": {"<<": {"b": 1}}}
    assert parse_document('{"a": {"<<": {"b": 1}}}', "t.json") == {"a": {"<<": {"b": 1}}}


def test_merged_aliases_count_against_the_alias_limit(tmp_path: Path):
    lines = ["base: &b {" + ", ".join(f"k{i}: {i}" for i in range(50)) + "}"]
    lines += [f"m{i}: {{<<: *b}}" for i in range(300)]  # 300 x 51 nodes > 10,000
    with pytest.raises(InputError) as raised:
        parse_document("\n".join(lines) + "\n", "t.yaml")
    assert "aliases expand to more than 10000 nodes" in raised.value.message


def test_merge_of_a_non_mapping_fails_the_file_with_exit_2_and_other_files_are_scanned():
    report, proc = scan_json("merge_scalar.yaml", "ok.yaml", cwd=MERGE)
    assert _errors(report) == {("input", "merge_scalar.yaml", 6,
                                "merge key '<<' must be given a mapping or a list of mappings")}
    assert ("IAG-LP-001", "Admin", "ok.yaml", 7) in _findings(report)
    assert proc.returncode == 2


# -- what CloudFormation expands only at deploy time is named "not analysed" ------------------

TRANSFORMS = FIXTURES / "transforms"
_MACRO_WHY = ("is not analysed: CloudFormation runs the macro when the stack is deployed, so what it adds or "
              "changes is not known here")
_INCLUDE_WHY = ("is not analysed: CloudFormation runs the transform when the stack is deployed, so what it "
                "inserts (it may be a policy) is not known here")
_FOR_EACH_WHY = "is not analysed: iacguard does not expand Fn::ForEach, so what the loop creates is not checked"


def test_macros_includes_modules_and_remote_nested_stacks_are_named_not_analysed():
    report, proc = scan_json("macros.yaml", cwd=TRANSFORMS)
    assert _errors(report) == {
        ("unresolved", "macros.yaml", 2, f"Transform MyCompany::PolicyMacro {_MACRO_WHY}"),
        ("unresolved", "macros.yaml", 4, f"Transform AWS::Include (s3://shared-bucket/iam-snippet.yaml) {_MACRO_WHY}"),
        ("unresolved", "macros.yaml", 8, "Fn::Transform AWS::Include (s3://shared-bucket/more-resources.yaml) "
                                         f"at the top of Resources {_INCLUDE_WHY}"),
        ("unresolved", "macros.yaml", 24, "resource Included: Fn::Transform AWS::Include "
                                          f"(s3://shared-bucket/policy.yaml) in its properties {_INCLUDE_WHY}"),
        ("unresolved", "macros.yaml", 28, "resource WholeBody: Fn::Transform AWS::Include "
                                          f"(s3://shared-bucket/role.yaml) {_INCLUDE_WHY}"),
        ("unresolved", "macros.yaml", 31, "resource Module: the registry module MyOrg::Iam::Roles::MODULE is not "
                                          "analysed: CloudFormation expands a module from the registry when the "
                                          "stack is deployed, so the resources it creates are not known here"),
        ("unresolved", "macros.yaml", 34, "resource Child: the nested stack template "
                                          "https://s3.amazonaws.com/bucket/child.yaml is not analysed: it is not a "
                                          "local file inside the scan, so the resources it creates are not checked"),
    }
    # the rest of the template is still analysed
    assert _findings(report) == {("IAG-LP-001", "Admin", "macros.yaml", 42)}
    assert proc.returncode == 2


def test_not_analysed_parts_pass_only_with_allow_unresolved():
    report, proc = scan_json("macros.yaml", "--allow-unresolved", "--fail-on", "none", cwd=TRANSFORMS)
    assert len(report["errors"]) == 7 and report["summary"]["unresolved"] == 7
    assert proc.returncode == 0


def test_language_extensions_loops_are_named_not_analysed_and_the_rest_is_checked():
    report, proc = scan_json("foreach.yaml", cwd=TRANSFORMS)
    assert _errors(report) == {
        ("unresolved", "foreach.yaml", 4, f"Resources: the loop Fn::ForEach::Roles (AWS::LanguageExtensions) "
                                          f"{_FOR_EACH_WHY}"),
        ("unresolved", "foreach.yaml", 20, "resource Scoped: the loop Fn::ForEach::Tags (AWS::LanguageExtensions) "
                                           f"in its properties {_FOR_EACH_WHY}"),
    }
    assert _findings(report) == {("IAG-LP-001", "Admin", "foreach.yaml", 28)}
    assert proc.returncode == 2


def test_an_include_in_a_sam_function_policy_names_the_generated_role():
    report, proc = scan_json("sam_include.yaml", cwd=TRANSFORMS)
    assert ("unresolved", "sam_include.yaml", 10, "resource FnRole: Fn::Transform AWS::Include "
            f"(s3://shared-bucket/policy.yaml) in its properties {_INCLUDE_WHY}") in _errors(report)
    assert proc.returncode == 2


def test_a_malformed_transform_is_an_input_error(tmp_path: Path):
    (tmp_path / "t.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nTransform: [1]\n"
                                     "Resources:\n  T: {Type: AWS::SNS::Topic}\n")
    report, proc = scan_json("t.yaml", cwd=tmp_path)
    assert _errors(report) == {("input", "t.yaml", 2, "Transform must name a transform, be a mapping with a "
                                                      "Name, or a list of those")}
    assert proc.returncode == 2


# -- nested stacks with a local template ---------------------------------------------------------

NESTED = FIXTURES / "nested"


def test_a_local_nested_template_is_analysed_with_the_parameters_its_parent_passes():
    report, proc = scan_json(".", cwd=NESTED)
    # the parent passes Actions "*": the nested policy is an admin policy (alone, its default
    # s3:GetObject was reported as IAG-LP-007 on main, and the parent's value never seen)
    assert _findings(report) == {("IAG-LP-001", "Admin", "stacks/iam/admin.yaml", 12)}
    why_remote = "is not analysed: it is not a local file inside the scan, so the resources it creates are not checked"
    assert _errors(report) == {
        ("input", "other/loop.yaml", 3, "resource Again: nested stack template loop.yaml nests itself "
                                        "(other/loop.yaml -> other/loop.yaml)"),
        ("unresolved", "stacks/parent.yaml", 17, "resource Remote: the nested stack template "
                                                 f"https://s3.amazonaws.com/templates-prod/child.yaml {why_remote}"),
        ("unresolved", "stacks/parent.yaml", 21, "resource Outside: the nested stack template "
                                                 "../../../../../../../etc/child.yaml is not analysed: it is outside "
                                                 "the scan root, which iacguard never reads"),
    }
    assert report["summary"]["files_scanned"] == 3
    assert proc.returncode == 2


def test_a_nested_template_outside_the_scan_root_is_not_read():
    # scanning stacks/ alone: ../other/loop.yaml lies outside the scan root
    report, _ = scan_json("parent.yaml", cwd=NESTED / "stacks")
    assert ("unresolved", "parent.yaml", 25, "resource Sibling: the nested stack template ../other/loop.yaml is not "
            "analysed: it is outside the scan root, which iacguard never reads") in _errors(report)
    assert ("IAG-LP-001", "Admin", "iam/admin.yaml", 12) in _findings(report)


def _nest(directory: Path, name: str, child: str | None, policy: bool = False) -> None:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    if child:
        lines += ["  Child:", "    Type: AWS::CloudFormation::Stack", f"    Properties: {{TemplateURL: {child}}}"]
    if policy:
        lines += ["  Admin:", "    Type: AWS::IAM::ManagedPolicy", "    Properties:",
                  "      PolicyDocument: {Statement: [{Effect: Allow, Action: '*', Resource: '*'}]}"]
    (directory / name).write_text("\n".join(lines) + "\n")


def test_nested_stacks_deeper_than_the_module_depth_limit_are_an_error(tmp_path: Path):
    _nest(tmp_path, "a.yaml", "b.yaml")
    _nest(tmp_path, "b.yaml", "c.yaml")
    _nest(tmp_path, "c.yaml", None, policy=True)
    report, proc = scan_json("a.yaml", "--max-module-depth", "1", cwd=tmp_path)
    assert _errors(report) == {("input", "b.yaml", 3, "resource Child: nested stacks deeper than 1 levels; "
                                                      "raise the limit with --max-module-depth")}
    assert proc.returncode == 2
    report, proc = scan_json("a.yaml", cwd=tmp_path)
    assert _findings(report) == {("IAG-LP-001", "Admin", "c.yaml", 6)} and report["errors"] == []


def test_a_missing_nested_template_is_an_error_at_the_nested_stack(tmp_path: Path):
    _nest(tmp_path, "a.yaml", "gone.yaml", policy=True)
    report, proc = scan_json("a.yaml", cwd=tmp_path)
    assert _errors(report) == {("input", "a.yaml", 3, "resource Child: nested stack template gone.yaml: cannot read "
                                                      "file: No such file or directory")}
    assert _findings(report) == {("IAG-LP-001", "Admin", "a.yaml", 9)}
    assert proc.returncode == 2


# -- policy element names that differ only in case -------------------------------------------------

def test_policy_elements_differing_only_in_case_are_an_error_in_every_format():
    report, proc = scan_json(".", cwd=FIXTURES / "policy_case")
    prefix = "is not valid and was read only in part (AWS rejects it): "

    def twice(element: str, first: str, second: str) -> str:
        return (f"element {element!r} appears twice ({first!r} and {second!r}): one value would hide the other, "
                "so the first one is ignored")

    assert _errors(report) == {
        ("input", "template.yaml", 8, f"policy of Yaml {prefix}statement 1: statement 1: "
                                      + twice("Resource", "RESOURCE", "Resource")),
        ("input", "template.yaml", 12, f"policy of JsonText {prefix}Policy: " + twice("Version", "Version", "VERSION")),
        ("input", "template.json", 9, f"policy of Json {prefix}statement 1: statement 1: "
                                      + twice("Action", "action", "Action")),
        ("input", "main.tf", 6, f"policy of aws_iam_policy.heredoc {prefix}statement 1: statement 1: "
                                + twice("NotResource", "NOTRESOURCE", "NotResource")),
        ("input", "plan.json", 4, f"policy of aws_iam_policy.planned {prefix}statement 1: statement 1: "
                                  + twice("Resource", "resource", "Resource")),
    }
    assert proc.returncode == 2


def test_a_cdk_nested_stack_is_analysed_from_its_template_asset_in_cdk_out():
    # cdk synth names the nested template beside its parent in the resource's metadata; the
    # TemplateURL is its S3 location once published, so it must not be "not analysed"
    report, proc = scan_json("cdk.out", cwd=FIXTURES / "cdk_nested")
    assert _findings(report) == {("IAG-LP-001", "Admin", "AppStackIam5E6F7A8B.nested.template.json", 10)}
    assert report["errors"] == []
    assert proc.returncode == 1


def test_a_sam_application_with_a_local_location_is_analysed_through_its_parent():
    report, proc = scan_json(".", cwd=FIXTURES / "sam_nested")
    # with the parent's Actions "*", and not again alone with its default s3:GetObject
    assert _findings(report) == {("IAG-LP-001", "Admin", "child.yaml", 8)}
    assert report["errors"] == []
    assert proc.returncode == 1
