"""bench/field/precision.py: matching hand judgements to a field run (synthetic run, no network)."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load():
    spec = importlib.util.spec_from_file_location("field_precision", ROOT / "bench" / "field" / "precision.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


precision = _load()


def _finding(fingerprint, resource, rule="IAG-LP-005", severity="high", file="main.tf"):
    return {"fingerprint": fingerprint, "resource": resource, "rule_id": rule, "severity": severity,
            "file": file, "message": "m"}


def _judged(fingerprint, resource, verdict, rule="IAG-LP-005", severity="high", repo="o/a", file="main.tf"):
    return {"repo": repo, "file": file, "resource": resource, "rule_id": rule, "severity": severity,
            "fingerprint": fingerprint, "verdict": verdict, "message": "m", "reason": "r"}


RUN = {
    "o/a": {"fail_on": "high", "findings_list": [
        _finding("f1", "role.a"),                       # judged tp, same fingerprint
        _finding("f2-new", "role.b"),                   # judged fp under fingerprint f2: fallback
        _finding("f3", "role.c", severity="medium"),    # judged debatable at high, now medium
        _finding("f9", "role.z", severity="low"),       # not judged
    ]},
    "o/b": {"fail_on": "critical", "findings_list": [
        _finding("g1", "bucket.x", rule="IAG-EXT-001", severity="high"),  # high < critical: non-blocking
    ]},
    "o/c": {"missing": True},
}

JUDGED = [
    _judged("f1", "role.a", "tp"),
    _judged("f2", "role.b", "fp"),
    _judged("f3", "role.c", "debatable"),
    _judged("f4", "role.d", "tp"),                      # no longer reported: LOST
    _judged("f5", "role.e", "fp"),                      # no longer reported: fixed
    _judged("g1", "bucket.x", "tp", rule="IAG-EXT-001", repo="o/b"),
    _judged("h1", "user.q", "tp", repo="o/d"),          # repository not in the run at all
]


def test_matching_by_fingerprint_then_fallback_and_counts():
    result = precision.evaluate(RUN, JUDGED)
    blocking, other = result["buckets"]["blocking"], result["buckets"]["non-blocking"]
    assert (blocking["tp"], blocking["fp"], blocking["debatable"]) == (1, 1, 0)
    assert blocking["matched by fingerprint"] == 1 and blocking["matched by fallback"] == 1
    # f3 fell to medium, g1 is high under fail_on critical: both non-blocking now
    assert (other["tp"], other["debatable"], other["fp"]) == (1, 1, 0)
    assert other["matched by fingerprint"] == 2 and other["matched by fallback"] == 0
    assert blocking["unjudged"] == 0 and other["unjudged"] == 1
    assert precision.precision(blocking) == pytest.approx(0.5)
    assert precision.precision(other) == pytest.approx(0.5)
    assert sorted(e["fingerprint"] for e in result["gone"]) == ["f4", "f5"]
    # o/c has no findings list (missing mirror) and o/d was not scanned: neither is "gone"
    assert [e["fingerprint"] for e in result["not_scanned"]] == ["h1"]
    assert [(e["fingerprint"], severity, again) for e, severity, _, again in result["changed"]] == [
        ("f3", "medium", None)]


def test_a_rejudgement_at_the_new_severity_counts_instead():
    rejudged = dict(JUDGED[2], at_severity={"medium": {"verdict": "tp", "reason": "right at medium"},
                                            "low": {"verdict": "fp", "reason": "too low"}})
    result = precision.evaluate(RUN, [rejudged])
    other = result["buckets"]["non-blocking"]
    assert (other["tp"], other["debatable"], other["fp"]) == (1, 0, 0)
    (entry, severity, blocking, again), = result["changed"]
    assert (severity, blocking, again["verdict"]) == ("medium", False, "tp")
    assert "judged debatable, re-judged tp" in precision.report(result)
    # at its judged severity the original verdict holds, whatever the re-judgements say
    same = dict(JUDGED[0], at_severity={"high": {"verdict": "fp", "reason": "x"}})
    assert precision.evaluate(RUN, [same])["buckets"]["blocking"]["tp"] == 1


def test_a_rejudgement_without_a_verdict_or_reason_is_refused(tmp_path):
    judged_file = tmp_path / "judged.jsonl"
    for again in ({"verdict": "tp"}, {"verdict": "maybe", "reason": "r"}):
        judged_file.write_text(json.dumps(dict(JUDGED[0], at_severity={"low": again})) + "\n")
        with pytest.raises(SystemExit):
            precision.load_judged(judged_file)


def test_one_finding_matches_one_judgement():
    run = {"o/a": {"fail_on": "high", "findings_list": [_finding("new", "role.a")]}}
    judged = [_judged("old1", "role.a", "tp"), _judged("old2", "role.a", "fp")]
    result = precision.evaluate(run, judged)
    assert result["buckets"]["blocking"]["tp"] + result["buckets"]["blocking"]["fp"] == 1
    assert len(result["gone"]) == 1


def test_an_exact_fingerprint_is_not_taken_by_another_judgements_fallback():
    # judged[0]'s fingerprint changed; its fallback key also fits f2, which judged[1] names exactly
    run = {"o/a": {"fail_on": "high", "findings_list": [_finding("f2", "role.a")]}}
    judged = [_judged("f1", "role.a", "fp"), _judged("f2", "role.a", "tp")]
    result = precision.evaluate(run, judged)
    assert result["buckets"]["blocking"]["tp"] == 1 and result["buckets"]["blocking"]["fp"] == 0
    assert [e["fingerprint"] for e in result["gone"]] == ["f1"]


def test_report_and_cli_text(tmp_path, capsys):
    run_file = tmp_path / "run.json"
    run_file.write_text(json.dumps(RUN))
    judged_file = tmp_path / "judged.jsonl"
    judged_file.write_text("\n".join(json.dumps(e) for e in JUDGED) + "\n")
    assert precision.main([str(run_file), "--judged", str(judged_file)]) == 0
    out = capsys.readouterr().out
    assert "blocking: 2 judged: 1 tp, 0 debatable, 1 fp; precision (tp / judged) 50%" in out
    assert "LOST [tp] o/a main.tf role.d IAG-LP-005" in out
    assert "gone [fp] o/a main.tf role.e" in out
    assert "severity changed high -> medium, judged debatable, not re-judged" in out


def test_a_bad_verdict_is_refused(tmp_path):
    judged_file = tmp_path / "judged.jsonl"
    judged_file.write_text(json.dumps(_judged("f1", "role.a", "maybe")) + "\n")
    with pytest.raises(SystemExit):
        precision.load_judged(judged_file)


def test_the_committed_judgements_are_well_formed():
    judged = precision.load_judged(ROOT / "bench" / "field" / "judged.jsonl")
    assert len(judged) >= 60
    assert sum(e["blocking"] for e in judged) >= 40 and sum(not e["blocking"] for e in judged) >= 20
    assert len({(e["repo"], e["fingerprint"]) for e in judged}) == len(judged)
    assert all(e["reason"].strip() for e in judged)
