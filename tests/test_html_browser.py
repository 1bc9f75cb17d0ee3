"""The HTML report in real headless Chromium: driven as a reader would, and screenshotted.

WebDriver (chromedriver, spoken to over its HTTP API with the standard library) types in the
search box, clicks the tabs and opens an evidence block; the assertions read what the browser
shows. Each screenshot is decoded here and must be a full-size image with content. ``--dump-dom``
checks the drawn paths and the URL-fragment filters without a driver.

Skips only when chromium (or chromedriver, for the driven tests) is absent and CI is not set;
in CI (.ci/run installs both) they must run. The screenshots are written to tests/artifacts/;
docs/html-report.png is html_search.png of a run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest

from iacguard.cli import main

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "html_report"
ARTIFACTS = HERE / "artifacts"


def _binary(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)


CHROMIUM = _binary("chromium")
CHROMEDRIVER = _binary("chromedriver")
IN_CI = bool(os.environ.get("CI"))

pytestmark = pytest.mark.skipif(CHROMIUM is None and not IN_CI,
                                reason="chromium is not installed (CI installs it: apt-get install chromium)")
needs_driver = pytest.mark.skipif(CHROMEDRIVER is None and not IN_CI,
                                  reason="chromedriver is not installed (CI installs it: apt-get install "
                                         "chromium-driver)")

BROWSER_ARGUMENTS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
WIDTH, HEIGHT = 1200, 900


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The fixture's report: stack.yaml baselined, one finding of iam.tf suppressed inline."""
    directory = tmp_path_factory.mktemp("html")
    target, baseline = directory / "report.html", directory / "baseline.json"
    previous = os.getcwd()
    os.chdir(FIXTURE)
    try:
        assert main(["baseline", "stack.yaml", "-o", str(baseline)]) == 0
        assert main(["scan", ".", "--baseline", str(baseline), "--format", "html", "-o", str(target)]) == 1
    finally:
        os.chdir(previous)
    return target


# --- the report's findings, in the order the page must show them ------------------------------

ACTIVE = [  # critical by file and line, then high
    ("IAG-LP-001", "aws_iam_role_policy_attachment.deployer_admin"),
    ("IAG-PE-002", "aws_iam_user.ci"),
    ("IAG-LP-001", "aws_iam_role_policy_attachment.break_glass_admin"),
    ("IAG-PE-002", "aws_iam_role.ops"),
    ("IAG-MFA-002", "aws_iam_role.deployer"),
]
MUTED = [  # medium: iam.tf before stack.yaml; then low
    ("IAG-GR-001", "aws_iam_user_policy.ci_assume"),
    ("IAG-GR-001", "Legacy"),
    ("IAG-EXT-002", "VendorKey"),
    ("IAG-GR-002", "Legacy"),
]


# --- a minimal WebDriver client ---------------------------------------------------------------

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


class Browser:
    def __init__(self, profile: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.driver = subprocess.Popen([CHROMEDRIVER or "chromedriver", f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, "chromedriver did not start"
            time.sleep(0.2)
        options = {"binary": CHROMIUM or "chromium",
                   "args": BROWSER_ARGUMENTS + [f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}"]}
        session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = f"/session/{session['sessionId']}"

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as error:
            raise AssertionError(f"WebDriver {method} {path}: {error.read()[:500]!r}") from None

    def call(self, method: str, path: str, body: dict | None = None):
        return self._call(method, self.session + path, body)

    def open(self, url: str) -> None:
        self.call("POST", "/url", {"url": url})

    def find(self, css: str) -> str:
        found = self.call("POST", "/element", {"using": "css selector", "value": css})
        assert ELEMENT in found, (css, found)
        return found[ELEMENT]

    def click(self, css: str) -> None:
        self.call("POST", f"/element/{self.find(css)}/click", {})

    def type(self, css: str, text: str) -> None:
        self.call("POST", f"/element/{self.find(css)}/value", {"text": text})

    def clear(self, css: str) -> None:
        self.call("POST", f"/element/{self.find(css)}/clear", {})

    def displayed(self, css: str) -> bool:
        return self.call("GET", f"/element/{self.find(css)}/displayed")

    def text(self, css: str) -> str:
        return self.call("GET", f"/element/{self.find(css)}/text")

    def run(self, script: str, *arguments):
        return self.call("POST", "/execute/sync", {"script": script, "args": list(arguments)})

    def visible_findings(self) -> list[tuple[str, str]]:
        """The findings a reader sees, top to bottom: laid out boxes (offsetParent is null for
        anything under display:none)."""
        return [tuple(pair) for pair in self.run(
            "return [...document.querySelectorAll('article.finding')].filter(a => a.offsetParent !== null)"
            ".map(a => [a.dataset.rule, a.dataset.resource]);")]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / name
        import base64

        shot.write_bytes(base64.b64decode(self.call("GET", "/screenshot")))
        return shot

    def quit(self) -> None:
        try:
            self._call("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMEDRIVER is None:
        pytest.fail("CI is set but chromedriver is not installed")
    driver = Browser(tmp_path_factory.mktemp("profile"))
    yield driver
    driver.quit()


# --- screenshots are decoded, not only counted --------------------------------------------------

def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the rows of an 8-bit RGB or RGBA PNG, unfiltered (the PNG spec's five
    filters), so that a test can tell an image with content from an empty one."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, [], b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    step = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * step
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(step, stride):
                line[i] = (line[i] + line[i - step]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - step] if i >= step else 0) + previous[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - step] if i >= step else 0
                b, c = previous[i], (previous[i - step] if i >= step else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def assert_real_screenshot(shot: Path) -> None:
    """A full-window PNG whose pixels are not one colour: many colours, no colour everywhere."""
    data = shot.read_bytes()
    assert len(data) > 20_000, f"{shot} is {len(data)} bytes"
    width, height, rows = _png_pixels(data)
    assert width == WIDTH and HEIGHT - 200 <= height <= HEIGHT  # the window less the browser's own bars
    step = len(rows[0]) // width
    colours: dict[bytes, int] = {}
    for row in rows[::4]:  # every fourth row and column is plenty to tell text from nothing
        for x in range(0, len(row), step * 4):
            pixel = row[x:x + 3]
            colours[pixel] = colours.get(pixel, 0) + 1
    sampled = sum(colours.values())
    assert len(colours) > 50, f"{shot}: only {len(colours)} colours"
    assert max(colours.values()) < 0.9 * sampled, f"{shot}: one colour covers nearly everything"


# --- driven tests -------------------------------------------------------------------------------

@needs_driver
def test_most_severe_first_with_tabs_counted(browser, report):
    browser.open(report.as_uri())
    assert browser.visible_findings() == ACTIVE
    assert browser.text("#tab-active") == "Active (5)"
    assert browser.text("#tab-muted") == "Suppressed (1) and baselined (3)"
    assert browser.text("#shown") == "5 of 5 findings shown"
    # the Content-Security-Policy names our style and script by hash: both were applied
    assert browser.run("return getComputedStyle(document.querySelector('.sev-critical')).backgroundColor") \
        == "rgb(142, 0, 0)"
    assert [h.lower() for h in browser.run(
        "return [...document.querySelectorAll('.panel[data-tab=active] section.severity h2')].map(h => h.textContent)")] \
        == ["critical (4)", "high (1)"]
    # each finding carries how to fix it and its check's documentation (from the catalogue)
    first = "article.finding[data-resource='aws_iam_user.ci']"
    assert browser.text(f"{first} .fix").startswith("How to fix:")
    assert not browser.displayed(f"{first} details.doc h3")  # collapsed until asked for
    browser.click(f"{first} details.doc summary")
    doc = browser.text(f"{first} details.doc")
    assert doc.startswith("About IAG-PE-002: Principal can become an administrator through another principal")
    assert "Why it matters" in doc and "How to fix" in doc and "iacguard explain IAG-PE-002" in doc
    assert_real_screenshot(browser.screenshot("html_sorted.png"))


@needs_driver
def test_search_filters_as_one_types(browser, report):
    browser.open(report.as_uri())
    browser.type("#search", "break_glass")
    assert browser.visible_findings() == [("IAG-LP-001", "aws_iam_role_policy_attachment.break_glass_admin"),
                                          ("IAG-PE-002", "aws_iam_role.ops")]
    assert browser.text("#shown") == "2 of 5 findings shown"
    assert browser.run("return location.hash") == "#q=break_glass"
    assert_real_screenshot(browser.screenshot("html_search.png"))
    browser.type("#search", " OPS")  # every word must match, in any case
    assert browser.visible_findings() == [("IAG-PE-002", "aws_iam_role.ops")]
    browser.clear("#search")
    browser.type("#search", "iam.tf:7 ")  # file and line
    assert browser.visible_findings() == [("IAG-MFA-002", "aws_iam_role.deployer")]
    browser.clear("#search")
    browser.type("#search", "no such thing")
    assert browser.visible_findings() == []
    assert browser.displayed("#none") and browser.text("#none") == "No findings here match."
    # typed markup is only a search string: nothing is parsed or run, and it survives the fragment
    browser.clear("#search")
    browser.type("#search", "\"><img src=x onerror=\"document.title='forged'\"></script>")
    assert browser.visible_findings() == []
    assert browser.run("return [document.images.length, document.title, document.scripts.length]") == [
        0, "iacguard report", 1]
    browser.run("location.reload()")
    assert browser.run("return document.getElementById('search').value") == \
        "\"><img src=x onerror=\"document.title='forged'\"></script>"
    assert browser.run("return [document.images.length, document.title]") == [0, "iacguard report"]
    browser.clear("#search")
    browser.type("#search", " ")
    assert browser.visible_findings() == ACTIVE


@needs_driver
def test_suppressed_and_baselined_in_their_own_tab(browser, report):
    browser.open(report.as_uri())
    browser.click("#tab-muted")
    assert browser.visible_findings() == MUTED
    assert browser.run("return location.hash") == "#tab=muted"
    assert not browser.displayed(".panel[data-tab=active]")
    statuses = browser.run("return [...document.querySelectorAll('.panel[data-tab=muted] .status')]"
                           ".map(s => s.textContent)")
    assert statuses == ["suppressed: comment IAG-GR-001: the CI user has one policy of its own until groups exist (SEC-7)",
                        "baselined", "baselined", "baselined"]
    browser.type("#search", "legacy")  # the search works in this tab too
    assert browser.visible_findings() == [("IAG-GR-001", "Legacy"), ("IAG-GR-002", "Legacy")]
    assert browser.text("#shown") == "2 of 4 findings shown"
    assert_real_screenshot(browser.screenshot("html_muted.png"))
    browser.click("#tab-active")
    assert browser.visible_findings() == []  # no active finding is about Legacy
    browser.clear("#search")
    browser.type("#search", " ")
    assert browser.visible_findings() == ACTIVE


@needs_driver
def test_evidence_opens_on_click(browser, report):
    browser.open(report.as_uri())
    article = "article.finding[data-resource='aws_iam_role.ops']"
    assert browser.run("return [...document.querySelectorAll('details.evidence')].some(d => d.open)") is False
    assert not browser.displayed(f"{article} details.evidence pre")
    browser.click(f"{article} details.evidence summary")
    assert browser.displayed(f"{article} details.evidence pre")
    evidence = json.loads(browser.text(f"{article} details.evidence pre"))
    assert evidence["paths"] == ["role aws_iam_role.ops -> role aws_iam_role.break_glass [sts:AssumeRole: the "
                                 "trust policy of role aws_iam_role.break_glass (statement 1) names it]"]
    # its path, drawn: the two nodes labelled with file, line and resource, and nothing else
    labels = browser.run(f"return [...document.querySelectorAll(\"{article} svg .node title\")].map(t => t.textContent)")
    assert sorted(labels) == ["iam.tf:39 aws_iam_role.break_glass", "iam.tf:52 aws_iam_role.ops"]
    # below the sticky controls: the picture of the path, then the evidence opened
    browser.run(f"window.scrollTo(0, document.querySelector(\"{article}\").offsetTop - 100)")
    shot = browser.screenshot("html_report.png")
    assert_real_screenshot(shot)


# --- without a driver: the DOM after the script ran, filtered by the fragment ---------------------

def _dom(report: Path, tmp_path: Path, fragment: str = "") -> str:
    done = subprocess.run([CHROMIUM or "chromium", *BROWSER_ARGUMENTS, f"--user-data-dir={tmp_path / 'profile'}",
                           "--virtual-time-budget=5000", "--dump-dom", report.as_uri() + fragment],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("fragment, shown", [
    ("", ACTIVE),
    ("#severity=high", ACTIVE),
    ("#family=privilege-escalation", [ACTIVE[1], ACTIVE[3]]),
    ("#q=deployer&severity=critical", [ACTIVE[0], ACTIVE[1]]),
    ("#tab=muted&family=guardrails", [MUTED[0], MUTED[1], MUTED[3]]),
])
def test_fragment_filters(report, tmp_path, fragment, shown):
    dom = _dom(report, tmp_path, fragment)
    panel_hidden = dict(re.findall(r'<div class="panel" data-tab="(\w+)"( hidden)?', dom))
    muted = "tab=muted" in fragment
    assert panel_hidden == {"active": " hidden" if muted else "", "muted": "" if muted else " hidden"}
    panel = dom.split('<div class="panel" data-tab="muted"', 1)[1 if muted else 0]
    in_tab = [tag for tag in re.findall(r"<article [^>]*>", panel) if " hidden" not in tag]
    assert [(re.search(r'data-rule="([^"]+)"', t)[1], re.search(r'data-resource="([^"]+)"', t)[1])
            for t in in_tab] == shown
    assert f"{len(shown)} of {len(MUTED) if muted else len(ACTIVE)} findings shown" in dom
    # the drawn paths: one per escalation path or exposure, each with only its own nodes
    drawings = [sorted(re.findall(r'<g class="node"[^>]*><title>([^<]*)</title>', svg))
                for svg in re.findall(r'<svg class="path-graph".*?</svg>', dom, re.S)]
    assert drawings == [["iam.tf:16 aws_iam_user.ci", "iam.tf:3 aws_iam_role.deployer"],
                        ["iam.tf:39 aws_iam_role.break_glass", "iam.tf:52 aws_iam_role.ops"],
                        ["account 444455556666", "stack.yaml:4 VendorKey"]]
