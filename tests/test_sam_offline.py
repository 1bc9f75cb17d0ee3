"""SAM templates are expanded without the network: an application from the Serverless
Application Repository is never looked up (the translator would call AWS with the caller's
credentials), and the translator's own tracebacks never reach the user."""

from __future__ import annotations

import os

from helpers import ROOT, run_cli

FIXTURE = ROOT / "tests" / "fixtures" / "sam_offline" / "sar_application.yaml"

_GUARD = '''
import socket

def _refuse(self, address, *args, **kwargs):
    with open({log!r}, "a") as handle:
        handle.write(repr(address) + "\\n")
    raise OSError("network disabled by the test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
'''


def test_serverless_application_is_not_fetched_from_the_network(tmp_path):
    log = tmp_path / "connections.log"
    (tmp_path / "sitecustomize.py").write_text(_GUARD.format(log=str(log)))
    env = {
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)]),
        # a CI runner with credentials and a Region: the translator would otherwise call AWS
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "not-a-real-secret-key-for-tests-only-000",
    }
    proc = run_cli("scan", str(FIXTURE), "--format", "json", env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert not log.exists(), log.read_text()
    import json

    report = json.loads(proc.stdout)
    # the function beside the application is still analysed: its role is a full administrator
    # the application's template lives in the repository: named as not analysed, never a pass
    assert [(e["kind"], e["line"], e["message"]) for e in report["errors"]] == [(
        "unresolved", 5,
        "resource Forwarder: the nested stack template serverlessrepo://arn:aws:serverlessrepo:us-east-1:"
        "123456789012:applications/log-forwarder@1.2.3 is not analysed: it is not a local file inside the "
        "scan, so the resources it creates are not checked")]
    assert proc.returncode == 2
    assert ("IAG-LP-001", "WorkerRole", 19) in {(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]}


def test_a_serverless_resource_whose_type_is_a_list_is_an_input_error_at_its_line(tmp_path):
    """``Type: [AWS::Serverless::Function]``: no type, said at the resource; looking it up
    among the types with local paths raised (a list is no dictionary key)."""
    from helpers import scan_json

    template = tmp_path / "template.yaml"
    template.write_text('AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
                        "Resources:\n  F:\n    Type: [AWS::Serverless::Function]\n    Properties:\n"
                        "      CodeUri: ./src\n")
    report, proc = scan_json(str(template), cwd=tmp_path)
    assert proc.returncode == 2
    assert [(e["kind"], e["line"], e["message"]) for e in report["errors"]] == [
        ("input", 4, "resource F: Type is missing or not a string")]
