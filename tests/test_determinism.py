"""Output does not depend on the process: string hashing is random per process (PYTHONHASHSEED),
so anything iterated from a set must be ordered before it decides what is reported."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import ROOT, run_cli

TEMPLATE = ROOT / "tests" / "fixtures" / "determinism" / "many_flags.yaml"
SEEDS = ("0", "1", "2", "3", "4", "5", "6", "7")

_WORLDS = """
import sys
from iacguard.loaders import cloudformation
from iacguard.loaders.cfn_intrinsics import TemplateResolver, switched_worlds
path = sys.argv[1]
data = cloudformation.parse_document(open(path).read(), path)
resolver = TemplateResolver(data, path, [])
print([when for _, when in switched_worlds(data, path, resolver, {}, None)])
"""


def _with_seed(seed: str, *args: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def test_switched_worlds_come_in_the_same_order_in_every_process():
    orders = {_with_seed(seed, "-c", _WORLDS, str(TEMPLATE)) for seed in SEEDS}
    assert len(orders) == 1
    assert orders.pop().strip() == "['Alpha = on', 'Bravo = on', 'Charlie = on', 'Delta = on']"


def test_the_whole_graph_is_the_same_in_every_process():
    """A finding made with the inputs as they are is drawn on the resource they deploy, not on
    whichever copy built with switched flags came last."""
    outputs = {_with_seed(seed, "-m", "iacguard", "graph", str(TEMPLATE), "--whole", "--format", "json")
               for seed in SEEDS}
    assert len(outputs) == 1
    report = run_cli("scan", str(TEMPLATE), "--format", "json")
    assert '"when": "Alpha = on"' in report.stdout  # the worlds make findings of their own
