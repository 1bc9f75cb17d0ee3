"""Every check's own samples: tests/fixtures/check_samples/checks/<CHECK-ID>/ holds bad and good examples
(CloudFormation YAML/JSON, Terraform files or module directories, plan JSON) and expected.json,
the exact findings of that check there: [{"file": ..., "resource": ..., "line": ...}, ...].
Files whose name starts with "good" must give no finding of that check. A `.iacguard.yaml` in the
directory is picked up as the scan's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import SAMPLES, scan_json

CHECK_DIRS = sorted(p for p in (SAMPLES / "checks").iterdir() if p.is_dir()) if (SAMPLES / "checks").is_dir() else []


@pytest.mark.parametrize("directory", CHECK_DIRS, ids=[p.name for p in CHECK_DIRS])
def test_check_samples(directory: Path):
    check_id = directory.name
    expected = json.loads((directory / "expected.json").read_text())
    report, proc = scan_json(str(directory), "--fail-on", "none", "--allow-unresolved")
    assert report["errors"] == [] or all(e["kind"] == "unresolved" for e in report["errors"]), report["errors"]
    mine = [f for f in report["findings"] if f["rule_id"] == check_id]
    got = sorted((f["file"], f["resource"], f["line"]) for f in mine)
    assert got == sorted((e["file"], e["resource"], e["line"]) for e in expected)
    for item in expected:  # severities, when the sample pins them
        if "severity" in item:
            match = next(f for f in mine if (f["file"], f["resource"], f["line"]) ==
                         (item["file"], item["resource"], item["line"]))
            assert match["severity"] == item["severity"]
    assert not [f for f in mine if Path(f["file"]).parts[0].startswith("good")], "a good sample fails"
    assert any(Path(e["file"]).parts[0].startswith("bad") for e in expected), "no bad sample"
