"""A topic policy that lets anyone subscribe only our own queue (``sns:Endpoint``) shares nothing."""

from __future__ import annotations

from helpers import ROOT, scan_json

FIXTURE = ROOT / "tests" / "fixtures" / "sns_endpoint"


def test_subscribe_bound_to_our_queue_is_not_exposed_and_others_are():
    report, proc = scan_json(str(FIXTURE.relative_to(ROOT)))
    found = sorted((f["rule_id"], f["severity"], f["resource"], f["file"], f["line"]) for f in report["findings"])
    assert found == sorted([
        # Terraform statement 2: the endpoint pattern matches every queue of every account
        ("IAG-EXT-001", "critical", "aws_sns_topic_policy.t", "topic.tf", 23),
        # IfExists: a request without the key (any other action) passes
        ("IAG-EXT-001", "critical", "PartnerTopicPolicy", "topic.yaml", 31),
    ])
    messages = {f["file"]: f["message"] for f in report["findings"]}
    assert "statement 2" in messages["topic.tf"] and "sns:Endpoint" in messages["topic.tf"]
    assert proc.returncode == 1 and report["errors"] == []
