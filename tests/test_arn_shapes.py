"""ARNs known only after apply still have the shape their resource type fixes: string functions
and == over aws_sqs_queue.q.arn read arn:<partition>:sqs:<region>:<account>:<name>, while the value
itself stays the Ref (policies and graph links name the resource). Fixtures:
tests/fixtures/tf/arn_shapes/."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacguard.arns import ArnHole, arn_shape
from iacguard.loaders.terraform import load_module_tree
from iacguard.values import Partial, Ref, Unknown
from tests.helpers import ROOT, scan_json, triples

PIPES = ROOT / "tests" / "fixtures" / "tf" / "arn_shapes" / "pipes"

RESOURCES = """
resource "aws_sqs_queue" "q" { name = "orders" }
resource "aws_dynamodb_table" "t" { name = "orders" }
resource "aws_cloudwatch_event_bus" "bus" { name = "fanout" }
resource "aws_lambda_function" "f" { function_name = "enrich" }
resource "aws_ecs_task_definition" "task" { family = "worker" }
resource "aws_iam_role" "r" { name = "app" }
resource "aws_custom_widget" "w" {}
data "aws_sqs_queue" "looked_up" { name = "orders" }
variable "nodef" {}
"""


def ev(tmp_path: Path, expr: str):
    (tmp_path / "main.tf").write_text(textwrap.dedent(RESOURCES) + f'resource "t_x" "r" {{\n  v = {expr}\n}}\n')
    result = load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path)
    assert not result.errors, result.errors
    (res,) = [r for r in result.resources if r.address == "t_x.r"]
    return res.properties.get("v")


# -- end to end: the EventBridge Pipes filter over ARNs of resources created in the scan ----------


def test_pipe_policies_filtered_by_arn_service_and_prefix_are_judged():
    report, proc = scan_json(str(PIPES))
    assert report["errors"] == [] and report["summary"]["unresolved"] == 0
    # the one sqs:* statement exists only for the pipe whose target is a queue
    assert triples(report) == {
        ("IAG-LP-002", 'module.pipes.aws_iam_role_policy.pipe["to_archive"]', "modules/pipe_roles/main.tf", 53)}
    assert proc.returncode == 0


def _statements(address: str) -> dict:
    result = load_module_tree(PIPES, [PIPES / "main.tf"], PIPES)
    (res,) = [r for r in result.resources if r.address == address]
    document = res.properties["policy"].value
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in document["Statement"]}


QUEUE_READ = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]


@pytest.mark.parametrize("pipe,expected", [
    ("to_archive", {"ReadQueue": (QUEUE_READ, [("aws_sqs_queue.orders", "arn")]),
                    "WriteQueue": (["sqs:*"], [("aws_sqs_queue.archive", "arn")])}),
    ("to_lambda", {"ReadQueue": (QUEUE_READ, [("aws_sqs_queue.orders", "arn")]),
                   "Invoke": (["lambda:InvokeFunction"], [("aws_lambda_function.enrich", "arn")])}),
    ("to_logs", {"ReadQueue": (QUEUE_READ, [("aws_sqs_queue.orders", "arn")]),
                 "WriteLogs": (["logs:CreateLogStream", "logs:PutLogEvents"],
                               ["{aws_cloudwatch_log_group.audit.arn}:*"])}),
    # replace(arn, "/:\\d+$/", ":*") keeps the task definition ARN up to its revision
    ("to_task", {"ReadQueue": (QUEUE_READ, [("aws_sqs_queue.orders", "arn")]),
                 "RunTask": (["ecs:RunTask"], ["arn:*:ecs:*:*:task-definition/*"])}),
    # event-bus/ decides put_events in and call_api (api-destination/) out
    ("stream_to_bus", {"ReadStream": (["dynamodb:DescribeStream", "dynamodb:GetRecords",
                                       "dynamodb:GetShardIterator"],
                                      [("aws_dynamodb_table.orders", "stream_arn")]),
                       "PutEvents": (["events:PutEvents"], [("aws_cloudwatch_event_bus.fanout", "arn")])}),
])
def test_each_pipe_gets_exactly_the_statements_its_arns_select(pipe, expected):
    statements = _statements(f'module.pipes.aws_iam_role_policy.pipe["{pipe}"]')
    assert set(statements) == set(expected)
    for sid, (actions, resources) in expected.items():
        got_actions, got_resources = statements[sid]
        assert list(got_actions) == actions
        shown = []
        for value in got_resources:
            if type(value) is Ref:  # the ARN itself is still the reference, not its shape
                shown.append((value.target, value.attr))
            else:  # text known in part: its literal text, a reference in braces, other holes *
                assert isinstance(value, Partial)
                shown.append("".join(p if isinstance(p, str) else "{%s}" % p.text if type(p) is Ref else "*"
                                     for p in value.parts))
        assert shown == resources


# -- string functions over a shape ---------------------------------------------------------------


@pytest.mark.parametrize("expr,expected", [
    ('split(":", aws_sqs_queue.q.arn)[2]', "sqs"),
    ('split(":", aws_sqs_queue.q.arn)[0]', "arn"),
    ('length(split(":", aws_sqs_queue.q.arn))', 6),
    ('split(":", aws_lambda_function.f.arn)[5]', "function"),
    ('split(":", aws_ecs_task_definition.task.arn)[2]', "ecs"),
    ('length(split(":", aws_ecs_task_definition.task.arn))', 7),  # task-definition/family:revision
    ('length(split("/", aws_sqs_queue.q.arn))', 1),  # no hole of a queue ARN holds "/"
    ('endswith(split("/", aws_iam_role.r.arn)[0], ":role")', True),  # the role path may hold "/"
    ('split(":", "${aws_sqs_queue.q.arn}:*")[6]', "*"),
    # a DynamoDB stream label holds ":" (a timestamp): the elements before it are still known
    ('split(":", aws_dynamodb_table.t.stream_arn)[2]', "dynamodb"),
    ('startswith(split(":", aws_dynamodb_table.t.stream_arn)[5], "table/")', True),
    ('startswith(split(":", aws_cloudwatch_event_bus.bus.arn)[5], "event-bus/")', True),
    ('startswith(split(":", aws_cloudwatch_event_bus.bus.arn)[5], "api-destination/")', False),
    # a queue name never holds "/", so it cannot start with "api-destination/"
    ('startswith(split(":", aws_sqs_queue.q.arn)[5], "api-destination/")', False),
    ('startswith(aws_sqs_queue.q.arn, "arn:")', True),
    ('startswith(aws_sqs_queue.q.arn, "*")', False),
    ('endswith(aws_lambda_function.f.arn, ":*")', False),
    ('endswith("${aws_lambda_function.f.arn}:*", ":*")', True),
    ('substr(aws_sqs_queue.q.arn, 0, 4)', "arn:"),
    ('aws_sqs_queue.q.arn == "*"', False),
    ('aws_sqs_queue.q.arn != "*"', True),
    ('"*" == aws_iam_role.r.arn', False),
    ('aws_sqs_queue.q.arn == "arn:aws:sns:us-east-1:111122223333:orders"', False),  # another service
    ('aws_sqs_queue.q.arn == "arn:aws:sqs:us-east-1:12345678901a:orders"', False),  # no such account
    ('contains(["sqs", "sns"], split(":", aws_sqs_queue.q.arn)[2])', True),
    ('contains(["*", ""], aws_sqs_queue.q.arn)', False),
    ('contains([aws_sqs_queue.q.arn, aws_iam_role.r.arn], "*")', False),
    ('contains([aws_sqs_queue.q.arn, "*"], "*")', True),
    # a regular expression that matches only at the end, only ":" and digits, cannot reach "sqs"
    ('startswith(split(":", replace(aws_sqs_queue.q.arn, "/:\\\\d+$/", ":*"))[2], "sqs")', True),
    ('contains(["ecs"], split(":", replace(aws_sqs_queue.q.arn, "/:\\\\d+$/", ":*"))[2])', False),
    ('split(":", replace(aws_ecs_task_definition.task.arn, "/:\\\\d+$/", ":*"))[2]', "ecs"),
    ('startswith(split(":", replace(aws_ecs_task_definition.task.arn, "/:\\\\d+$/", ":*"))[5], "task-definition/")',
     True),
    ('startswith(replace(aws_ecs_task_definition.task.arn, "/(?i)[a-z]+$/", ""), "arn:")', True),
])
def test_string_functions_read_the_shape_of_an_arn(tmp_path, expr, expected):
    value = ev(tmp_path, expr)
    assert value == expected and type(value) is type(expected)


def test_a_filtered_arn_is_still_the_reference(tmp_path):
    value = ev(tmp_path, '[for arn in [aws_sqs_queue.q.arn, "*"] : arn if arn != "*"]')
    assert list(value) == [Ref("aws_sqs_queue.q", "arn")] and type(value[0]) is Ref


@pytest.mark.parametrize("expr", [
    # the shape does not decide: the partition may be aws-cn, the name may start with "api"
    'startswith(aws_sqs_queue.q.arn, "arn:aws:")',
    'startswith(split(":", aws_sqs_queue.q.arn)[5], "api")',
    'aws_sqs_queue.q.arn == "arn:aws:sqs:us-east-1:111122223333:orders"',
    'substr(aws_sqs_queue.q.arn, 0, 8)',
    'split(":", aws_dynamodb_table.t.stream_arn)[6]',  # after the label's first ":", if any
    'length(split(":", aws_dynamodb_table.t.stream_arn))',
    # no shape: a type iacguard has no ARN format for, a data source (it reads whatever the
    # lookup matches), an attribute that is not the ARN, an input
    'split(":", aws_custom_widget.w.arn)[2]',
    'aws_custom_widget.w.arn == "*"',
    'split(":", data.aws_sqs_queue.looked_up.arn)[2]',
    'data.aws_sqs_queue.looked_up.arn == "*"',
    'aws_sqs_queue.q.url == "*"',
    'split(":", var.nodef)[2]',
    'contains(["sqs"], aws_custom_widget.w.arn)',
    'contains([aws_sqs_queue.q.arn, aws_custom_widget.w.arn], "*")',
    # a regular expression that may match anywhere, or that this cannot read, decides nothing
    'split(":", replace(aws_sqs_queue.q.arn, "/:\\\\d+/", ":*"))[2]',
    'split(":", replace(aws_sqs_queue.q.arn, "/(?m):\\\\d+$/", ":*"))[2]',
    'split(":", replace(aws_sqs_queue.q.arn, "/(?<=s):\\\\d+$/", ":*"))[2]',
    'split(":", replace(aws_sqs_queue.q.arn, "/[[:digit:]:]+$/", ":*"))[2]',
    'split(":", replace(aws_sqs_queue.q.arn, "/.*$/", ""))[0]',
])
def test_what_the_shape_does_not_decide_stays_unknown(tmp_path, expr):
    assert isinstance(ev(tmp_path, expr), Unknown)


def test_split_of_a_template_is_known_up_to_the_first_hole_that_could_hold_the_separator(tmp_path):
    # var.nodef could hold "/": the number of elements is not known, the first one is in part
    whole = ev(tmp_path, 'split("/", "arn:aws:s3:::${var.nodef}/logs")')
    assert isinstance(whole, Unknown)
    first = ev(tmp_path, 'split("/", "arn:aws:s3:::${var.nodef}/logs")[0]')
    assert isinstance(first, Partial) and first.parts[0] == "arn:aws:s3:::"
    assert ev(tmp_path, 'startswith(split("/", "arn:aws:s3:::${var.nodef}/logs")[0], "arn:aws:s3:")') is True
    assert isinstance(ev(tmp_path, 'split("/", "arn:aws:s3:::${var.nodef}/logs")[1]'), Unknown)
    assert ev(tmp_path, 'split(":", "a:b:${var.nodef}")[1]') == "b"


def test_the_shape_comes_from_the_resource_type_at_any_module_depth():
    shape = arn_shape(Ref("module.app.module.queues.aws_sqs_queue.jobs", "arn"))
    assert [p if isinstance(p, str) else type(p) for p in shape.parts] == [
        "arn:", ArnHole, ":sqs:", ArnHole, ":", ArnHole, ":", ArnHole]
    assert shape.refs == (Ref("module.app.module.queues.aws_sqs_queue.jobs", "arn"),)
    assert arn_shape(Ref("module.app.data.aws_sqs_queue.jobs", "arn")) is None
    assert arn_shape(Ref("QueueLogicalId", "Arn")) is None  # a CloudFormation logical id
    assert arn_shape(Ref("aws_sqs_queue.jobs", None)) is None


def test_split_of_a_huge_template_is_refused_before_it_is_built(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "nodef" {}\nlocals {\n  commas = join("", [for i in range(1024) : ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"])\n'
        '  more = "${local.commas}${local.commas}"\n}\n'
        'resource "t_x" "r" {\n  v = split(",", "${var.nodef}${local.more}")\n}\n')
    result = load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path)
    assert [e.message for e in result.errors] == [
        "split() would give more than 100000 elements; refusing"]


@pytest.mark.parametrize("pattern,decided", [
    (r"[a\d]+$", True),  # a class the reader knows: letters and digits cannot reach ":sqs:"
    (r"[\pL]+$", False),  # a Unicode class it cannot read: nothing decided
    (r"(?i:x)+$", False),  # flags inside a group: nothing decided
    (r"[^:]+$", True),  # anything but ":" stops at the last ":"
])
def test_only_regular_expressions_read_in_full_decide(tmp_path, pattern, decided):
    hcl = pattern.replace("\\", "\\\\")
    value = ev(tmp_path, f'split(":", replace(aws_sqs_queue.q.arn, "/{hcl}/", ""))[2]')
    if decided:
        assert value == "sqs" or (isinstance(value, Partial) and value.parts[0] == "sqs")
    else:
        assert isinstance(value, Unknown) and not isinstance(value, Partial)
