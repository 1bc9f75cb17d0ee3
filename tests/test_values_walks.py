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


def test_json_around_holes_is_read_once_per_text_and_filled_with_each_partial_own_holes():
    from iacguard.values import decode_json_with_holes

    def template(hole: Unknown, account: Unknown) -> Partial:
        return Partial(['{"Statement": [{"Resource": "', hole, '", "Principal": {"AWS": "arn:aws:iam::',
                        account, ':root"}, "Action": ', hole, '}]}'])

    a, b = Ref("aws_s3_bucket.a", "arn"), Ref("aws_s3_bucket.b", "arn", scope="module.m[1].")
    first = decode_json_with_holes(template(a, Unknown("var.acct")), 5)
    second = decode_json_with_holes(template(b, Unknown("var.other")), 5)
    assert first["Statement"][0]["Resource"] is a and second["Statement"][0]["Resource"] is b
    assert second["Statement"][0]["Action"] is b  # a hole outside a string: the Unknown itself
    assert second["Statement"][0]["Principal"]["AWS"].text == "arn:aws:iam::${var.other}:root"
    assert first["Statement"][0]["Principal"]["AWS"].text == "arn:aws:iam::${var.acct}:root"
    # each result is its own: changing one changes no other read of the same text
    first["Statement"][0]["Extra"] = 1
    first["Statement"].append("x")
    third = decode_json_with_holes(template(a, Unknown("var.acct")), 5)
    assert "Extra" not in third["Statement"][0] and len(third["Statement"]) == 1
    assert first["Statement"].line == third["Statement"].line == 5
    # the first line is part of what is read: lines follow it, none without it
    assert decode_json_with_holes(template(a, Unknown("var.acct")), 9)["Statement"].line == 9
    assert decode_json_with_holes(template(a, Unknown("var.acct")), 0)["Statement"].line == 0
    # the same text around a hole at another place is another text
    moved = Partial(['{"Statement": [{"Resource": "x', a, '"}]}'])
    assert decode_json_with_holes(moved, 1)["Statement"][0]["Resource"].parts == ("x", a)


def test_a_text_budget_cache_starts_over_past_its_budget():
    from iacguard.values import TextBudgetCache

    cache = TextBudgetCache(10)
    cache.put("a", 1, 6)
    cache.put("b", 2, 4)
    assert (cache.get("a"), cache.get("b"), cache.chars, len(cache)) == (1, 2, 10, 2)
    cache.put("c", 3, 1)  # 11 characters would be past the budget: what was kept goes
    assert (cache.get("a"), cache.get("c"), cache.chars, list(cache)) == (None, 3, 1, ["c"])
