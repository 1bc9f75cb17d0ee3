"""The HTML report in real headless Chromium: findings, drawn paths, filtering, a screenshot.

Skips only when chromium is absent and CI is not set; in CI (.ci/run installs it) it must run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from iacguard.cli import main

HERE = Path(__file__).resolve().parent
GRAPH = HERE / "fixtures" / "graph"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) or shutil.which("chromium")) and not os.environ.get("CI"),
                                reason="chromium is not installed (CI installs it)")


def _chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    binary = CHROMIUM if os.path.exists(CHROMIUM) else (shutil.which("chromium") or CHROMIUM)
    return subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           f"--user-data-dir={profile}", "--virtual-time-budget=5000", *arguments],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("html") / "report.html"
    previous = os.getcwd()
    os.chdir(GRAPH)
    try:
        assert main(["scan", "small.yaml", "tf", "--format", "html", "-o", str(target)]) == 1
    finally:
        os.chdir(previous)
    return target


def _dom(report: Path, tmp_path: Path, fragment: str = "") -> str:
    done = _chromium(tmp_path / "profile", "--dump-dom", report.as_uri() + fragment)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _visible_articles(dom: str) -> list[str]:
    return [tag for tag in re.findall(r"<article [^>]*>", dom) if "hidden" not in tag]


def test_findings_and_drawn_paths_render(report, tmp_path):
    dom = _dom(report, tmp_path)
    articles = re.findall(r"<article [^>]*>", dom)
    assert len(articles) == len(_visible_articles(dom)) > 0
    assert f"{len(articles)} of {len(articles)} findings shown" in dom  # the script ran
    assert 'data-rule="IAG-PE-002"' in dom and 'data-rule="IAG-EXT-002"' in dom
    # a drawn path: the escalation hop Dev -> AdminRole as boxes joined by an edge
    drawings = re.findall(r'<svg class="path-graph".*?</svg>', dom, re.S)
    assert any("<rect" in svg and "<line" in svg and "can become" in svg and "user Dev" in svg
               and "role AdminRole" in svg for svg in drawings)
    assert any("grants" in svg and "account 444455556666" in svg for svg in drawings)
    assert "user Dev" in dom and "role AdminRole" in dom


@pytest.mark.parametrize("fragment, family, minimum", [
    ("#family=external-access", "external-access", None),
    ("#family=privilege-escalation&severity=critical", "privilege-escalation", "critical"),
])
def test_fragment_filters(report, tmp_path, fragment, family, minimum):
    dom = _dom(report, tmp_path, fragment)
    everything = re.findall(r"<article [^>]*>", dom)
    visible = _visible_articles(dom)
    assert 0 < len(visible) < len(everything)
    for tag in visible:
        assert f'data-family="{family}"' in tag
        if minimum:
            assert f'data-severity="{minimum}"' in tag
    assert f"{len(visible)} of {len(everything)} findings shown" in dom
    # sections with nothing left are hidden too
    assert re.search(r'<section class="family" data-family="guardrails" hidden', dom)


def test_screenshot_artifact(report, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "html_report.png"
    if shot.exists():
        shot.unlink()
    done = _chromium(tmp_path / "profile", "--window-size=1200,900", f"--screenshot={shot}",
                     report.as_uri() + "#family=privilege-escalation")
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
