"""iacguard.values: the walks that collect the Refs and inputs of a value (one walk, written
order, nothing missed or repeated)."""

from __future__ import annotations

from iacguard.values import (Choice, Origin, Partial, PDict, PList, PStr, Ref, Unknown, collect_refs,
                             iter_unknowns, origins_of)


def _sample() -> list:
    role = Ref("aws_iam_role.a", "arn", key="x", scope="module.m[0].")
    other = Ref("aws_iam_role.b", "name")
    var = Unknown("var.p", origins=(Origin("variable", "var.p"),))
    data = Unknown("data.x.y", origins=(Origin("data", "data.x.y"), Origin("variable", "var.p")))
    text = Partial(["arn:", other, ":", var])
    return [
        PDict({"Statement": PList([PDict({"Resource": role, "Action": ["s3:*", PStr("x", 3)]}), data]),
               "k": text}),
        "plain",
        PList([other, Choice([var, PDict({"a": role})]), 7, None]),
        role,
    ]


def test_choice_refs_and_origins_follow_each_option_in_order():
    options = _sample()
    choice = Choice(options, text="c")
    # as defined: the refs of each option in turn (repeats kept), the inputs of all, first seen first
    assert [r.identity for r in choice.refs] == \
        [r.identity for o in options for r in collect_refs(o)]
    assert choice.origins == origins_of(options)
    assert [r.identity for r in choice.refs] == [
        ("aws_iam_role.a", "arn", "x", "module.m[0]."), ("aws_iam_role.b", "name", None, None),
        ("aws_iam_role.b", "name", None, None), ("aws_iam_role.a", "arn", "x", "module.m[0]."),
        ("aws_iam_role.a", "arn", "x", "module.m[0].")]
    assert [o.name for o in choice.origins][:3] == ["aws_iam_role.a.arn", "data.x.y", "var.p"]


def test_iter_unknowns_is_depth_first_in_written_order():
    found = [u.text for u in iter_unknowns(_sample())]
    assert found == ["aws_iam_role.a.arn", "data.x.y", "arn:${aws_iam_role.b.name}:${var.p}",
                     "aws_iam_role.b.name", "", "aws_iam_role.a.arn"]  # "": the Choice, written without text
    assert isinstance(list(iter_unknowns(_sample()))[4], Choice)
    assert list(iter_unknowns(["text", PStr("a", 1), 1, {"k": "v"}])) == []
