"""AWS Lambda handler for an ``AWS::CloudFormation::LambdaHook``: iacguard as a proactive control.

CloudFormation calls :func:`handler` before it provisions:

* RESOURCE (and CLOUD_CONTROL) targets: ``requestData.targetModel.resourceProperties`` holds one
  resource with every intrinsic already resolved. Booleans may arrive as the strings
  ``"true"``/``"false"``; outside policy documents they are turned back into booleans.
* STACK and CHANGE_SET targets: ``requestData.payload`` is a presigned S3 URL whose JSON object
  holds the raw template text (``template``). The whole template is evaluated, so
  cross-resource analyses (a policy attached to a role elsewhere in the stack) work. Like a
  resource hook, which only sees what is created or updated, only what the change adds or makes
  worse blocks: findings the deployed stack already had (the STACK payload's
  ``previousTemplate``; for a change set, the template with ``changedResources`` put back to
  their ``beforeContext``) are compared as ``--diff-base`` does and named, not blocking. When the
  deployed state cannot be rebuilt, every finding blocks.

The answer is the documented response: ``hookStatus`` SUCCESS or FAILED, ``errorCode``
NonCompliant (evaluated and rejected) or InternalFailure (could not evaluate: the hook's
FailureMode then decides), a ``message`` in Control Tower's ``[ID]: title [FIX]: remediation``
style within the caller's limit, and ``clientRequestToken`` echoed. The handler never raises, and
answers FAILED (InternalFailure) when the evaluation cannot finish in the invocation's remaining
time (``context.get_remaining_time_in_millis()``, less a margin to answer).

Cloud Control API requests (the CLOUD_CONTROL target operation) arrive as RESOURCE targets
without a stack: ``stackId`` empty or absent, ``targetLogicalId`` made up by the service, the
desired state in ``resourceProperties``. They are judged like a resource of a stack, with the
1024-character message limit Cloud Control applies.

Configuration (Lambda environment, set from the template's parameters):

* ``IACGUARD_FAIL_ON`` (default ``high``): lowest severity that fails the hook.
* ``IACGUARD_BLOCK_CHECKS``: check ids or families whose findings fail the hook whatever their
  severity; default ``DEFAULT_BLOCK_CHECKS``, the checks Control Tower's proactive IAM controls
  CT.IAM.PR.1-5 map to; ``NONE`` for none.
* ``IACGUARD_ENABLE`` / ``IACGUARD_DISABLE``: checks or families that run / do not run
  (``ALL`` / ``NONE`` for no restriction).
* ``IACGUARD_ORGANIZATION_ID``, ``IACGUARD_TRUSTED_ACCOUNTS``: the zone of trust (an
  ``o-...`` id; 12-digit account ids, ``NONE`` for none).
* ``IACGUARD_SETTINGS``: the ``.iacguard.yaml`` content, YAML or JSON, for anything else; the
  variables above are applied on top of it.
* ``IACGUARD_PAYLOAD_TIMEOUT``: seconds for the payload download, default 10.
"""

from __future__ import annotations

import json
import math
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..severity import FAIL_ON_CHOICES, SEVERITIES, severity_rank

if TYPE_CHECKING:  # types only, imported when a scan runs
    from ..engine import ScanResult
    from ..framework import Finding
    from ..settings import Settings

MESSAGE_LIMIT = 4096            # CloudFormation truncates longer hook messages
CLOUD_CONTROL_MESSAGE_LIMIT = 1024
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
DEFAULT_PAYLOAD_TIMEOUT = 10.0  # the hook waits 30 s for the whole invocation
DEADLINE_MARGIN = 1.0  # seconds kept back from the Lambda's remaining time to answer
MAX_ANNOTATIONS = 50
_ANNOTATION_TEXT_LIMIT = 16384
# Presigned payload URLs point at S3 in the commercial, China and GovCloud partitions.
_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")
_SEVERITY_LEVEL = {s: s.upper() for s in SEVERITIES}  # the hook annotation's severityLevel
# What CT.IAM.PR.1-5 block, in iacguard's checks: PR.1/PR.2 "*" on "*" (LP-001), PR.3/PR.5
# service-wide wildcard actions (LP-002) and Allow with NotAction (LP-003), PR.4 policies on
# IAM users (GR-001). Their severity can be below FailOn (a service wildcard on one bucket is
# medium), so they block by name.
DEFAULT_BLOCK_CHECKS = ("IAG-LP-001", "IAG-LP-002", "IAG-LP-003", "IAG-GR-001")

# Test-only: lets the tests serve the payload from a local plain-HTTP server on 127.0.0.1.
# Nothing in the handler sets it; production requests are https to an AWS host only.
_TEST_ALLOW_LOOPBACK_HTTP = False


class HookInputError(Exception):
    """The event or the payload is not what the hook contract describes."""


def handler(event: Any, context: Any = None) -> dict:
    """Lambda entry point. Always returns a response dict, before the Lambda times out; never
    raises."""
    token = ""
    try:
        if isinstance(event, dict):
            raw_token = event.get("clientRequestToken") or event.get("clientRequesttoken") or ""
            token = raw_token if isinstance(raw_token, str) else str(raw_token)
        from ..limits import DeadlineExceeded, deadline

        seconds = time_available(context)
        if seconds is not None and seconds <= 0:
            return _internal_failure(token, "iacguard could not evaluate this request: the Lambda had no time left")
        try:
            with deadline(seconds or 0):
                return _evaluate(event, token)
        except DeadlineExceeded:
            return _internal_failure(token, f"iacguard could not finish the analysis in the {seconds:.1f} seconds "
                                            "left before the Lambda timeout; raise the function's timeout "
                                            "or split the template")
    except Exception as exc:  # noqa: BLE001 - the hook must always get an answer
        return _internal_failure(token, f"iacguard could not evaluate this request: {type(exc).__name__}: {exc}")


def time_available(context: Any) -> float | None:
    """Seconds the evaluation may take: the invocation's remaining time less what building and
    returning the answer needs (DEADLINE_MARGIN, at most a quarter of it). None without a
    Lambda context (local calls): no deadline."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    try:
        seconds = float(remaining()) / 1000
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds):
        return None
    return seconds - min(DEADLINE_MARGIN, seconds / 4) if seconds > 0 else 0.0


# -- request handling ----------------------------------------------------------------------------

def _evaluate(event: Any, token: str) -> dict:
    if not isinstance(event, dict):
        raise HookInputError("the event is not a JSON object")
    request = event.get("requestData")
    if not isinstance(request, dict):
        raise HookInputError("the event has no requestData object")
    stack_id = event.get("stackId") or event.get("stackID") or ""
    limit = MESSAGE_LIMIT if stack_id else CLOUD_CONTROL_MESSAGE_LIMIT
    invocation_point = str(event.get("actionInvocationPoint") or "")
    target_name = str(request.get("targetName") or "")
    target_type = str(request.get("targetType") or "")
    kind = target_name if target_name in ("STACK", "CHANGE_SET") else (
        target_type if target_type in ("STACK", "CHANGE_SET") else "RESOURCE")

    if invocation_point.startswith("DELETE"):
        return _success(token, "iacguard: deletions are not evaluated", limit)
    settings, unresolved_configured = _settings()
    if kind == "RESOURCE" and not unresolved_configured:
        # resource properties arrive resolved: a policy still unresolved there is unreadable
        # (not JSON, wrong types), and a gate never passes what it could not read
        settings.allow_unresolved = False
    pseudo = deployment_context(event)
    account = pseudo.get("AWS::AccountId")
    if account and account not in settings.deploy_accounts:
        settings.deploy_accounts.append(account)  # the account being deployed to is its own zone of trust
    if kind == "RESOURCE":
        result, label = _resource_result(request, target_name, settings, pseudo)
    else:
        payload = _fetch_payload(request.get("payload"))
        template = payload.get("template")
        if not isinstance(template, str):
            raise HookInputError("the payload has no template text")
        if not template.strip():
            return _success(token, "iacguard: empty template, nothing to evaluate", limit)
        label = str(request.get("targetLogicalId") or kind.lower())
        result = _template_result(template, f"{kind.lower()}:{label}", settings, pseudo)
        if not result.errors:
            _compare_with_deployed(result, kind, payload, template, f"{kind.lower()}:{label}", settings, pseudo)
    if result.errors:
        problems = "; ".join(str(e) for e in result.errors[:5])
        return _internal_failure(token, f"iacguard could not read the {kind.lower()} {label}: {problems}", limit)
    return _verdict(token, result, settings, limit)


def _settings() -> tuple[Any, bool]:
    """The hook's settings, and whether allow_unresolved was set explicitly."""
    from ..errors import UsageError
    from ..settings import Settings, validate

    text = os.environ.get("IACGUARD_SETTINGS", "").strip()
    if text:
        import yaml

        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise UsageError(f"IACGUARD_SETTINGS is not valid YAML/JSON: {exc}") from None
        settings = validate(raw, "IACGUARD_SETTINGS")
        configured = isinstance(raw, dict) and ("allow_unresolved" in raw or "allow-unresolved" in raw)
        if not configured:
            settings.allow_unresolved = True
    else:
        # Stack payloads carry no parameter values, so policies built from parameters are often
        # unresolved there; resource targets see them resolved. Block on them only when asked.
        settings = Settings(allow_unresolved=True)
        configured = False
    fail_on = os.environ.get("IACGUARD_FAIL_ON", "").strip().lower()
    if fail_on:
        if fail_on not in FAIL_ON_CHOICES:
            raise UsageError(f"IACGUARD_FAIL_ON: unknown severity {fail_on!r}")
        settings.fail_on = fail_on
    _apply_parameters(settings)
    return settings, configured


def _env_list(name: str, nothing: str) -> list[str] | None:
    """A comma-separated list from the environment (a CommaDelimitedList parameter joined):
    None when unset or empty, [] when it is the parameter's "nothing" word."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    return [] if [item.upper() for item in items] == [nothing] else items


def _apply_parameters(settings: Settings) -> None:
    """The template's zone-of-trust and check parameters, on top of IACGUARD_SETTINGS."""
    import re

    from ..errors import UsageError
    from ..settings import ORG_RE

    enable = _env_list("IACGUARD_ENABLE", "ALL")
    if enable:  # "ALL" leaves IACGUARD_SETTINGS' own list (if any) alone
        settings.enable = enable
    disable = _env_list("IACGUARD_DISABLE", "NONE")
    if disable:
        settings.disable = settings.disable + [c for c in disable if c not in settings.disable]
    organization = os.environ.get("IACGUARD_ORGANIZATION_ID", "").strip()
    if organization:
        if not ORG_RE.match(organization):
            raise UsageError(f"IACGUARD_ORGANIZATION_ID: {organization!r} is not an o-... id")
        settings.organization_id = organization
    for account in _env_list("IACGUARD_TRUSTED_ACCOUNTS", "NONE") or []:
        if not re.fullmatch(r"\d{12}", account):
            raise UsageError(f"IACGUARD_TRUSTED_ACCOUNTS: {account!r} is not a 12-digit account id")
        if account not in settings.trusted_accounts:
            settings.trusted_accounts.append(account)


def block_checks(known: dict) -> tuple[str, ...]:
    """Check ids and families whose findings block whatever their severity (IACGUARD_BLOCK_CHECKS,
    default DEFAULT_BLOCK_CHECKS); ``known`` is the loaded checks, so a typo is an error rather
    than a guardrail that silently never blocks."""
    from ..errors import UsageError
    from ..framework import FAMILIES

    named = _env_list("IACGUARD_BLOCK_CHECKS", "NONE")
    names = DEFAULT_BLOCK_CHECKS if named is None else tuple(named)
    ids = {c.id for c in known.values()}
    for name in names:
        if name not in ids and name not in FAMILIES:
            raise UsageError(f"IACGUARD_BLOCK_CHECKS: unknown check or family {name!r}")
    return names


def deployment_context(event: dict) -> dict[str, str]:
    """Pseudo parameter values the event reveals: account, partition, Region, stack id and name."""
    import re

    values: dict[str, str] = {}
    account = event.get("awsAccountId")
    if isinstance(account, str) and re.fullmatch(r"\d{12}", account):
        values["AWS::AccountId"] = account
    stack_id = event.get("stackId") or event.get("stackID")
    stack_id = stack_id if isinstance(stack_id, str) else ""
    match = re.fullmatch(r"arn:(aws[a-z-]*):cloudformation:([a-z0-9-]+):(\d{12}):stack/([^/]+)/.+", stack_id)
    if match:
        values.update({"AWS::Partition": match.group(1), "AWS::Region": match.group(2),
                       "AWS::StackId": stack_id, "AWS::StackName": match.group(4)})
        values.setdefault("AWS::AccountId", match.group(3))
    return values


def _resource_result(request: dict, target_name: str, settings: Settings, pseudo: dict[str, str]):
    model = request.get("targetModel")
    if not isinstance(model, dict):
        raise HookInputError("a resource target needs requestData.targetModel")
    properties = model.get("resourceProperties")
    if properties in (None, ""):
        properties = {}
    if isinstance(properties, str):  # some callers send the properties as a JSON string
        try:
            properties = json.loads(properties)
        except ValueError:
            raise HookInputError("resourceProperties is not a JSON object") from None
    if not isinstance(properties, dict):
        raise HookInputError("resourceProperties is not an object")
    if not target_name or target_name.count("::") != 2:
        raise HookInputError(f"unexpected resource target name {target_name!r}")
    logical_id = str(request.get("targetLogicalId") or "Resource")
    template = {"Resources": {logical_id: {"Type": target_name, "Properties": normalize_scalars(properties)}}}
    return _evaluate_template_data(_positioned(template), f"resource:{logical_id}", settings, pseudo), logical_id


def _template_result(text: str, file: str, settings: Settings, pseudo: dict[str, str]):
    from ..engine import ScanResult
    from ..errors import IacguardError
    from ..loaders.cloudformation import looks_like_cloudformation, parse_document

    try:
        data = parse_document(text, file)
    except IacguardError as exc:
        return ScanResult(root=Path("."), errors=[exc])
    if data is None or not looks_like_cloudformation(data):
        from ..errors import InputError

        return ScanResult(root=Path("."), errors=[InputError("not a CloudFormation template", file=file)])
    return _evaluate_template_data(data, file, settings, pseudo)


def _compare_with_deployed(result: ScanResult, kind: str, payload: dict, template: str, file: str, settings: Settings,
                           pseudo: dict[str, str]) -> None:
    """Mark each finding new, worse or unchanged against the stack as deployed, when that state
    can be rebuilt from the payload; otherwise leave every finding blocking."""
    if kind == "STACK":
        previous = payload.get("previousTemplate")
        if not isinstance(previous, str) or not previous.strip():
            return  # a new stack: everything is new
        base = _template_result(previous, file, settings, pseudo)
    else:
        data = deployed_template(template, payload.get("changedResources"), file)
        if data is None:
            return
        base = _evaluate_template_data(data, file, settings, pseudo)
    if base.errors:
        return
    from ..gate import compare

    compare(result, base, "the deployed stack")


def deployed_template(template: str, changes: Any, file: str) -> Any:
    """The change set's template as it was before the change: created resources removed, updated
    and deleted ones rebuilt from ``beforeContext`` (scalars there are strings). None when a
    change cannot be undone from what the payload says."""
    from ..errors import IacguardError
    from ..loaders.cloudformation import parse_document
    from ..values import PDict

    try:
        data = parse_document(template, file)
    except IacguardError:
        return None
    if not isinstance(data, dict) or not isinstance(changes, list):
        return None
    resources = data.get("Resources")
    previous = PDict(resources if isinstance(resources, dict) else {}, line=getattr(resources, "line", 1))
    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("logicalResourceId"), str):
            return None
        logical_id, action = change["logicalResourceId"], change.get("action")
        if action == "CREATE":
            previous.pop(logical_id, None)
            continue
        if action not in ("UPDATE", "DELETE"):
            return None
        before = _context_properties(change.get("beforeContext"))
        if before is None:
            return None
        current = previous.get(logical_id)
        resource_type = current.get("Type") if isinstance(current, dict) else change.get("resourceType")
        if not isinstance(resource_type, str):
            return None
        rebuilt = dict(current) if isinstance(current, dict) else {}
        rebuilt.update({"Type": resource_type, "Properties": _positioned(normalize_scalars(before))})
        previous[logical_id] = PDict(rebuilt, line=getattr(current, "line", 1))
    rebuilt_template = PDict(data, line=getattr(data, "line", 1))
    rebuilt_template["Resources"] = previous
    return rebuilt_template


def _context_properties(context: Any) -> dict | None:
    """The resource properties in a change's before/after context (a JSON string)."""
    if not isinstance(context, str):
        return None
    try:
        value = json.loads(context)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("Properties"), dict):
        return value["Properties"]
    return value if isinstance(value, dict) else None


def _evaluate_template_data(data: Any, file: str, settings: Settings, pseudo: dict[str, str]):
    from ..engine import ScanResult, run_checks
    from ..loaders.cloudformation import build_resources

    result = ScanResult(root=Path("."))
    loaded = build_resources(data, file, parameters=dict(settings.parameters), pseudo=pseudo)
    result.resources.extend(loaded.resources)
    result.errors.extend(loaded.errors)
    result.unresolved.extend(loaded.unresolved)
    result.files.append(file)
    run_checks(result, settings)
    return result


def _positioned(value: Any) -> Any:
    """Plain JSON data as the loaders' positioned types (no lines: the event has none)."""
    from ..values import PDict, PList

    if isinstance(value, dict):
        return PDict({str(k): _positioned(v) for k, v in value.items()})
    if isinstance(value, list):
        return PList([_positioned(v) for v in value])
    return value


def normalize_scalars(value: Any, in_policy: bool = False) -> Any:
    """Turn ``"true"``/``"false"`` back into booleans, as CloudFormation may stringify them for
    hooks. Inside policy documents (any mapping with a ``Statement``) strings are kept: condition
    values are strings there. Numbers stay strings: account ids and the like must not change."""
    if isinstance(value, dict):
        inside = in_policy or "Statement" in value
        return {k: normalize_scalars(v, inside) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize_scalars(v, in_policy) for v in value]
    if not in_policy and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


# -- payload download ----------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead away from S3; the presigned URL itself must answer."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        raise HookInputError(f"the payload URL redirected (HTTP {code}); redirects are not followed")


def check_payload_url(url: Any) -> str:
    """The URL if it may be fetched: https to an AWS host on the default port, no credentials
    in the authority. Raises HookInputError otherwise."""
    if not isinstance(url, str) or not url:
        raise HookInputError("the request has no payload URL")
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        raise HookInputError("the payload URL carries credentials")
    try:
        port = parts.port
    except ValueError:
        raise HookInputError("the payload URL has an invalid port") from None
    if _TEST_ALLOW_LOOPBACK_HTTP and parts.scheme == "http" and host == "127.0.0.1":
        return url
    if parts.scheme != "https":
        raise HookInputError(f"the payload URL must use https, not {parts.scheme or 'no scheme'}")
    if port not in (None, 443):
        raise HookInputError("the payload URL must use the default https port")
    if not any(host.endswith(suffix) for suffix in _AWS_HOST_SUFFIXES):
        raise HookInputError(f"the payload URL host {host!r} is not an AWS host")
    return url


def _fetch_payload(url: Any) -> dict:
    checked = check_payload_url(url)
    try:
        timeout = float(os.environ.get("IACGUARD_PAYLOAD_TIMEOUT") or DEFAULT_PAYLOAD_TIMEOUT)
    except ValueError:
        timeout = DEFAULT_PAYLOAD_TIMEOUT
    handlers: list = [_NoRedirect()]
    if _TEST_ALLOW_LOOPBACK_HTTP:
        handlers.append(urllib.request.ProxyHandler({}))  # the local test server, never a proxy
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(checked, headers={"Accept": "application/json"})
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_PAYLOAD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise HookInputError(f"the payload download failed: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HookInputError(f"the payload download failed: {reason}") from None
    if len(body) > MAX_PAYLOAD_BYTES:
        raise HookInputError(f"the payload is larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise HookInputError("the payload is not JSON") from None
    if not isinstance(payload, dict):
        raise HookInputError("the payload is not a JSON object")
    return payload


# -- responses -----------------------------------------------------------------------------------

def _verdict(token: str, result: ScanResult, settings: Settings, limit: int) -> dict:
    from ..framework import active_findings

    blocking = result.blocking(settings.fail_on)
    active = active_findings(result.findings)
    always = block_checks(getattr(result, "checks", None) or {})
    # a block-listed check blocks at any severity; like every finding, not when the deployed
    # stack already had it
    already = {id(f) for f in blocking}
    blocking += [f for f in active if id(f) not in already and f.diff != "unchanged"
                 and (f.rule_id in always or _family(f, result) in always)]
    unresolved_blocks = bool(result.unresolved) and not settings.allow_unresolved
    from ..report.safe import visible

    notes = [f"could not resolve before deployment: {visible(e.message)}" for e in result.unresolved]
    if not blocking and not unresolved_blocks:
        existing = sum(1 for f in active if f.diff == "unchanged")
        if existing:
            text = (f"iacguard: {len(active)} findings, none new or worse at or above {settings.fail_on} "
                    f"({existing} already in the deployed stack)")
        else:
            text = f"iacguard: {len(active)} findings, none at or above {settings.fail_on}"
        if notes:
            text += "; " + "; ".join(notes)
        return _success(token, text, limit)
    ordered = sorted(blocking, key=lambda f: (-severity_rank(f.severity), f.file, f.line, f.rule_id))
    entries = [_control_tower_entry(f, result) for f in ordered]
    if unresolved_blocks:
        entries += [f"[IACGUARD-UNRESOLVED]: {n}" for n in notes]
    header = f"iacguard: {len(ordered)} blocking findings at fail-on {settings.fail_on}"
    by_name = sorted({f.rule_id for f in ordered if settings.fail_on == "none"
                      or severity_rank(f.severity) < severity_rank(settings.fail_on)})
    if by_name:
        header += f" ({', '.join(by_name)} block at any severity)"
    existing = sum(1 for f in active if f.diff == "unchanged")
    if existing:
        header += f" ({existing} more already in the deployed stack do not block)"
    response: dict[str, Any] = {"hookStatus": "FAILED", "errorCode": "NonCompliant",
                "message": _join_within(header, entries, limit), "clientRequestToken": token}
    annotations = [_annotation(f, result) for f in ordered[:MAX_ANNOTATIONS]]
    if annotations:
        response["annotations"] = annotations
    return response


def _family(finding: Finding, result: ScanResult) -> str | None:
    meta = (getattr(result, "checks", None) or {}).get(finding.rule_id)
    return getattr(meta, "family", None)


def _fix_text(finding: Finding, result: ScanResult) -> str:
    from ..report.ci_common import first_sentence

    meta = (getattr(result, "checks", None) or {}).get(finding.rule_id)
    # a hook judges CloudFormation: its fix as CloudFormation writes it
    return first_sentence(meta.fix_in("cloudformation"), 400) if meta is not None else \
        "see `iacguard explain " + finding.rule_id + "`"


def _control_tower_entry(finding: Finding, result: ScanResult) -> str:
    from ..report.safe import visible

    # one entry per line: a line break or ESC quoted from the template is shown, not obeyed
    return f"[{finding.rule_id}]: {finding.title}: {visible(finding.message)} [FIX]: {_fix_text(finding, result)}"


def _annotation(finding: Finding, result: ScanResult) -> dict:
    from ..report.safe import visible

    return {
        "annotationName": finding.rule_id[:1024],
        "status": "FAILED",
        "statusMessage": visible(finding.message)[:_ANNOTATION_TEXT_LIMIT],
        "remediationMessage": _fix_text(finding, result)[:_ANNOTATION_TEXT_LIMIT],
        "severityLevel": _SEVERITY_LEVEL.get(finding.severity, "HIGH"),
    }


def _join_within(header: str, entries: list[str], limit: int) -> str:
    """Header and as many whole entries as fit in ``limit`` characters, then how many are left."""
    text = header
    for index, entry in enumerate(entries):
        remaining = len(entries) - index
        tail = f"\n... and {remaining} more" if remaining else ""
        candidate = text + "\n" + entry
        reserve = len(f"\n... and {remaining - 1} more") if remaining > 1 else 0
        if len(candidate) + reserve > limit:
            if index == 0:  # not even one entry fits: cut it rather than show none
                room = limit - len(text) - 1 - len(tail)
                return (text + "\n" + entry[: max(room - 1, 0)] + "…" + tail)[:limit]
            return (text + tail)[:limit]
        text = candidate
    return text[:limit]


def _success(token: str, message: str, limit: int = MESSAGE_LIMIT) -> dict:
    return {"hookStatus": "SUCCESS", "message": message[:limit], "clientRequestToken": token}


def _internal_failure(token: str, message: str, limit: int = MESSAGE_LIMIT) -> dict:
    return {"hookStatus": "FAILED", "errorCode": "InternalFailure", "message": message[:limit],
            "clientRequestToken": token}
