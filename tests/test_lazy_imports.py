"""A pre-commit scan of one small file must not pay for modules it does not use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, SAMPLES

_PROBE = """
import json, sys
from iacguard.cli import main
code = main(sys.argv[1:])
heavy = ("networkx", "samtranslator", "boto3", "botocore", "pydantic", "cfnlint", "tree_sitter", "tree_sitter_hcl",
         "hcl2", "multiprocessing")
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}), file=sys.stderr)
"""


def _loaded(*args: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _PROBE, "scan", *args, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1), proc.stderr
    return report["loaded"]


@pytest.mark.parametrize("template", ["scoped.json", "least_privilege.yaml", "admin_and_public.yaml"])
def test_small_cloudformation_scan_imports_no_heavy_module(template):
    assert _loaded(str(SAMPLES / "cloudformation" / template)) == []


def _plan_loader_loaded(*args: str) -> bool:
    probe = _PROBE.replace('print(json.dumps({"code": code, "loaded"', 'print(json.dumps({"code": code, "loaded": '
                           '"iacguard.loaders.plan" in sys.modules, "heavy"')
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", probe, "scan", *args, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1), proc.stderr
    return report["loaded"]


def test_plan_loader_and_worker_processes_load_only_when_used():
    """A plan is read by the plan loader; forked workers (--jobs 2 on input worth splitting)
    need multiprocessing. A template scan in one process needs neither."""
    assert _plan_loader_loaded(str(ROOT / "tests" / "fixtures" / "plan" / "provider_v5_update.json"))
    assert not _plan_loader_loaded(str(SAMPLES / "cloudformation" / "least_privilege.yaml"))
    assert "multiprocessing" in _loaded(str(SAMPLES / "cloudformation"), str(SAMPLES / "terraform"), "--jobs", "2")


def test_terraform_scan_loads_the_hcl_grammar_but_not_networkx_without_escalation():
    loaded = _loaded(str(SAMPLES / "terraform" / "scoped"))
    assert "tree_sitter" in loaded and "networkx" not in loaded and "samtranslator" not in loaded


def test_the_sam_translator_and_what_it_needs_load_only_for_a_sam_template():
    """The translator is a regular dependency (SAM works out of the box), but it and boto3 and
    pydantic cost about half a second to import: only a template with the transform pays it."""
    sam_modules = {"samtranslator", "boto3", "botocore", "pydantic"}
    assert sam_modules.isdisjoint(_loaded(str(SAMPLES / "cloudformation")))
    assert sam_modules <= set(_loaded(str(ROOT / "tests" / "fixtures" / "integrations" / "sam_good.yaml")))


_HOOK_PROBE = _PROBE.replace("from iacguard.cli import main", "from iacguard.integrations.pre_commit import main")


def test_pre_commit_hook_on_a_template_change_reads_no_terraform():
    """In a repository with Terraform modules, a changed template costs no HCL grammar: the
    callers of Terraform modules are looked for only when a Terraform file changed."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _HOOK_PROBE, "--format", "json", "cfn/queue.yaml", "README.yaml"],
                          capture_output=True, text=True, cwd=ROOT / "tests" / "fixtures" / "pre_commit_repo",
                          env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report == {"code": 1, "loaded": []}, proc.stderr
    assert [f["file"] for f in json.loads(proc.stdout)["findings"]] == ["cfn/queue.yaml"]


# What one small CloudFormation template may cost in imports (issue 19: under 0.10 s for the whole
# process). iacguard's own modules a clean scan of it loads: a new one in this path, or a module
# of the standard library or PyYAML that the small path had shed, fails here and must be argued for.
_SMALL_SCAN_IACGUARD = {
    "iacguard", "iacguard.analysis", "iacguard.catalogue", "iacguard.checks_api", "iacguard.cli",
    "iacguard.engine", "iacguard.errors", "iacguard.excludes", "iacguard.failclosed", "iacguard.fixtext",
    "iacguard.framework", "iacguard.jsonpos", "iacguard.lazy_regex", "iacguard.limits", "iacguard.progress",
    "iacguard.redact", "iacguard.resource", "iacguard.resource_views", "iacguard.settings", "iacguard.severity",
    "iacguard.suppress", "iacguard.values", "iacguard.report", "iacguard.report.safe", "iacguard.report.text",
    "iacguard.loaders", "iacguard.loaders.cfn_intrinsics", "iacguard.loaders.cfn_yaml",
    "iacguard.loaders.cloudformation", "iacguard.loaders.discover", "iacguard.loaders.sam",
    "iacguard.loaders.shapes", "iacguard.loaders.yaml_values",
    "iacguard.iam", "iacguard.iam.access", "iacguard.iam.actions", "iacguard.iam.baseline",
    "iacguard.iam.conditions", "iacguard.iam.credentials", "iacguard.iam.effective", "iacguard.iam.escalation",
    "iacguard.iam.external", "iacguard.iam.grants", "iacguard.iam.identity", "iacguard.iam.managed",
    "iacguard.iam.model", "iacguard.iam.policy", "iacguard.iam.principals", "iacguard.iam.unknown_access",
    "iacguard.iam.wildcard",
}
# Shed from the small path: argparse's terminal width (shutil, and with it bz2 and lzma), OpenSSL's
# digests (only findings and secrets are hashed), decimal (numeric conditions), what judges buckets,
# shares, account baselines and plumbing (checks_api imports it for a model that has them), the
# other loaders, reports and the gate
_NOT_IN_SMALL_SCAN = ("shutil", "bz2", "lzma", "hashlib", "_hashlib", "decimal", "tempfile", "subprocess",
                      "iacguard.iam.public_access", "iacguard.iam.sharing", "iacguard.iam.baseline",
                      "iacguard.iam.plumbing",
                      "iacguard.loaders.terraform", "iacguard.loaders.plan", "iacguard.loaders.hcl_parse",
                      "iacguard.gate", "iacguard.graph", "iacguard.report.json_report", "iacguard.report.sarif",
                      "iacguard.docs", "iacguard.grading")

_SMALL_PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from iacguard.cli import main
with redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
reader = sys.modules.get("yaml.reader")
unused = reader is not None and "match" not in vars(reader.Reader.NON_PRINTABLE)  # PyYAML's reader regex
print(json.dumps({"code": code, "modules": sorted(sys.modules) + ["<yaml reader regex unused>"] * unused}),
      file=sys.stderr)
"""


def _small_scan_modules(template: Path) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _SMALL_PROBE, "scan", str(template)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, proc.stderr
    return set(report["modules"])


def test_a_small_cloudformation_scan_imports_only_the_small_path(tmp_path):
    template = tmp_path / "role.yaml"
    template.write_text(_SMALL_ROLE)
    modules = _small_scan_modules(template)
    ours = {m for m in modules if m == "iacguard" or m.startswith("iacguard.")}
    assert ours - _SMALL_SCAN_IACGUARD == set()
    assert [m for m in _NOT_IN_SMALL_SCAN if m in modules] == []
    # libyaml reads the template: PyYAML's pure-Python reader regex (all of Unicode) is never compiled
    assert "yaml" in modules and "<yaml reader regex unused>" in modules


def test_a_json_template_is_read_without_pyyaml():
    modules = _small_scan_modules(SAMPLES / "cloudformation" / "scoped.json")
    assert not {m for m in modules if m == "yaml" or m.startswith("yaml.")}
    assert "iacguard.loaders.cfn_yaml" not in modules and "hashlib" not in modules


_SMALL_ROLE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read-bucket
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: ["s3:GetObject", "s3:ListBucket"]
                Resource: ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"]
"""


def test_what_judges_buckets_loads_for_a_template_with_a_bucket(tmp_path):
    """The other side of the small path: the checks still see buckets (and their modules load)."""
    template = tmp_path / "bucket.yaml"
    template.write_text(_SMALL_ROLE + "  Site:\n    Type: AWS::S3::Bucket\n")
    assert "iacguard.iam.public_access" in _small_scan_modules(template)
