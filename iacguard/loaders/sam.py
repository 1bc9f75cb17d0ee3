"""AWS SAM templates (``Transform: AWS::Serverless-2016-10-31``) expanded with samtranslator.

SAM writes IAM in shorthand: ``Policies`` (managed policy names, policy templates, inline
statements), ``Events`` (each one a Lambda permission) and ``FunctionUrlConfig`` (a function URL
and its permission). The translator turns them into the CloudFormation resources the IAM model
understands. It runs offline; it is imported only for templates that use the transform.

Positions: resources the translator generates (``FnRole``, ``FnUrlPublicPermissions``) take the
line of the SAM resource they came from (the longest SAM logical id that prefixes theirs);
statements copied from the template keep their own lines.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..values import PDict, PList, line_of

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"
# Properties whose local paths the translator rejects (it expects S3 locations); what they point
# at (code, layer content, API definitions) has no bearing on IAM.
_LOCAL_PATH_PROPERTIES = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
}
_PLACEHOLDER_BUCKET = "iacguard-local-artifact"


def uses_serverless_transform(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    transform = data.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(name, str) and name == SERVERLESS_TRANSFORM for name in names)


def expand(data: dict, file: str,
           parameters: dict[str, Any] | None = None) -> tuple[PDict, list[InputError], set[str]]:
    """The CloudFormation template the SAM transform produces, with positions mapped back, one
    InputError per SAM resource the translator rejected (at that resource's line), and the ids
    of those resources.

    A rejected resource is left out and the rest translated again, so one bad function loses
    only itself (and what fails without it: the next round names those). Raises InputError
    when the template as a whole cannot be translated."""
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        raise InputError("Resources must be a mapping", file=file, line=line_of(data) or None)
    sam_lines = _sam_resource_lines(resources)
    template = _with_s3_locations(data)
    errors: list[InputError] = []
    left_out: list[str] = []
    # each round removes at least one resource, so this ends
    for _ in range(len(resources) + 1):
        attempt = dict(template)
        attempt["Resources"] = PDict({name: body for name, body in template["Resources"].items()
                                      if name not in left_out}, line=line_of(template["Resources"]))
        if left_out and not attempt["Resources"]:  # every resource was rejected: nothing left to translate
            return PDict({"Resources": PDict(line=line_of(resources))}, line=1), errors, set(left_out)
        output, causes = _translate(attempt, file, parameters, data)
        if output is not None:
            positioned = _positioned_output(output, resources, sam_lines, line_of(resources, line_of(data)))
            return positioned, errors, set(left_out)
        rejected = _rejected_resources(causes, [name for name in sam_lines if name not in left_out])
        if rejected is None:  # a cause that names no resource: the template itself is wrong
            message = "; ".join(_cause_message(cause) for cause in causes[:5])
            failed = InputError(f"SAM transform failed: {message}", file=file, line=line_of(data) or None)
            if not errors:
                raise failed
            # only once resources were left out: those errors stand, and nothing else is analysed
            return (PDict({"Resources": PDict(line=line_of(resources))}, line=1), errors + [failed],
                    {str(name) for name in resources})
        after = f" (translated without {', '.join(left_out)}, which could not be)" if left_out else ""
        for name, messages in rejected.items():
            errors.append(InputError(f"SAM transform failed: {'; '.join(messages)}{after}", file=file,
                                     line=sam_lines.get(name) or line_of(data) or None))
        left_out.extend(rejected)
    raise InputError("SAM transform failed: no resource could be translated", file=file,
                     line=line_of(data) or None)


def _translate(template: dict, file: str, parameters: dict[str, Any] | None,
               data: dict) -> tuple[dict | None, list[Any]]:
    """One run of the translator: its output, or None and the causes it gave for rejecting the
    template (one per bad resource)."""
    try:
        import boto3
        from samtranslator.metrics.metrics import Metrics
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.parser.parser import Parser
        from samtranslator.plugins.application.serverless_app_plugin import ServerlessAppPlugin
        from samtranslator.translator.translator import Translator
    except ImportError:  # a regular dependency: missing only from an install made with --no-deps
        raise InputError("template uses the AWS::Serverless-2016-10-31 transform and the SAM translator is not "
                         "installed: pip install 'iacguard-gate' with its dependencies (aws-sam-translator)",
                         file=file, line=line_of(data) or None) from None

    _quiet_translator_logs()
    _build_policy_templates_once()
    # An explicit Region keeps the translator off the network and off the caller's AWS config.
    # One session serves every template of the process: creating one registers some 13,000
    # handlers (about 30 ms), and the translator only reads its Region and partition.
    session = _SHARED.get("session")
    if session is None:
        session = _SHARED["session"] = boto3.session.Session(region_name="us-east-1")
    # our own (unpublished, never sent) metrics: published below so the translator does not warn
    # about them on stderr when they are garbage collected
    metrics = Metrics()
    translator = Translator(managed_policy_map=None, sam_parser=Parser(), boto_session=session, metrics=metrics,
                            plugins=[ServerlessAppPlugin(sar_client_creator=_no_network, parameters=parameters)])
    try:
        # the translator edits what it is given: each round gets its own copy
        return translator.translate(sam_template=_copied(template), parameter_values=dict(parameters or {}),
                                    passthrough_metadata=True), []
    except InvalidDocumentException as exc:
        return None, list(getattr(exc, "causes", None) or [exc])
    except Exception as exc:  # the translator raises assorted errors on malformed input
        raise InputError(f"SAM transform failed: {type(exc).__name__}: {exc}", file=file,
                         line=line_of(data) or None) from None
    finally:
        metrics.publish()  # a DummyMetricsPublisher: nothing leaves the machine


# What every translation of a process can share (built on the first SAM template)
_SHARED: dict[str, Any] = {}


def _build_policy_templates_once() -> None:
    """The translator builds its policy-template plugin for every template, and each build
    validates AWS's policy templates (shipped with the translator) against their JSON schema:
    about 80 ms a template, most of a SAM scan. The templates cannot change within a process and
    the plugin keeps no state between templates, so it is built once and handed back after."""
    if "policy_templates" in _SHARED:
        return
    from samtranslator.translator import translator as module

    make = getattr(module, "make_policy_template_for_function_plugin", None)
    if make is None:  # another translator version: leave it as it is
        _SHARED["policy_templates"] = None
        return
    plugin = make()
    _SHARED["policy_templates"] = plugin
    module.make_policy_template_for_function_plugin = lambda: plugin  # type: ignore[attr-defined]


def _quiet_translator_logs() -> None:
    """The translator logs warnings about its own settings (``Feature 'normalized_open_api_version'
    not available in Feature Toggle Config`` for an OpenAPI body); with no handler configured,
    Python would print them on stderr, where they read like a problem of the template."""
    import logging

    logger = logging.getLogger("samtranslator")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _cause_message(cause: Any) -> str:
    return str(getattr(cause, "message", cause))


def _rejected_resources(causes: list[Any], sam_ids: list[str]) -> dict[str, list[str]] | None:
    """The SAM resources the causes name (a generated resource, ``FnQueueEvent``, counts for the
    SAM resource whose id prefixes it), each with its messages; None when a cause names none."""
    rejected: dict[str, list[str]] = {}
    for cause in causes:
        named = getattr(cause, "_logical_id", None)  # InvalidResourceException keeps it private
        ids = named if isinstance(named, list) else [named]
        owners = {_owner(str(logical_id), sam_ids) for logical_id in ids if isinstance(logical_id, str)}
        if not owners or None in owners:
            return None
        for owner in sorted(o for o in owners if o is not None):
            rejected.setdefault(owner, []).append(_cause_message(cause))
    return rejected or None


def _owner(logical_id: str, sam_ids: list[str]) -> str | None:
    if logical_id in sam_ids:
        return logical_id
    owners = [name for name in sam_ids if logical_id.startswith(name)]
    return max(owners, key=len) if owners else None


def _copied(value: Any) -> Any:
    """A deep copy that keeps lines and the file a value was written in."""
    if isinstance(value, dict):
        copied = _TranslatorDict({k: _copied(v) for k, v in value.items()}, line=line_of(value))
        copied.file = getattr(value, "file", None)
        return copied
    if isinstance(value, list):
        return _TranslatorList([_copied(v) for v in value], line=line_of(value))
    return value


# What copy.deepcopy returns as it is (its atomic types): a copy skips its dispatch for them.
_ATOMIC = frozenset({str, int, float, bool, type(None)})


class _TranslatorDict(PDict):
    """A PDict given to the translator, which deep-copies the whole template it is given. The
    generic copy of a dict subclass goes through pickling's reduce and reconstruct, several times
    slower than this copy, which is the same: the same class, line and file, each key and value
    deep-copied in order, and what is shared stays shared (``memo``, as copy.deepcopy keeps it)."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> "_TranslatorDict":
        from copy import deepcopy

        copied = _TranslatorDict(line=self.line)
        copied.file = self.file
        memo[id(self)] = copied
        for key, item in self.items():
            copied[key if type(key) in _ATOMIC else deepcopy(key, memo)] = \
                item if type(item) in _ATOMIC else deepcopy(item, memo)
        return copied


class _TranslatorList(PList):
    """A PList given to the translator: copied like ``_TranslatorDict``."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> "_TranslatorList":
        from copy import deepcopy

        copied = _TranslatorList(line=self.line)
        memo[id(self)] = copied
        copied.extend(item if type(item) in _ATOMIC else deepcopy(item, memo) for item in self)
        return copied


def _sam_resource_lines(resources: dict) -> dict[str, int]:
    key_lines = getattr(resources, "key_lines", {}) or {}
    return {str(name): key_lines.get(name) or line_of(body, line_of(resources))
            for name, body in resources.items()}


def _with_s3_locations(data: dict) -> dict:
    """A copy of the template where local artifact paths are replaced by placeholder S3
    locations (``sam build``/``sam package`` do the same before deployment)."""
    copied = dict(data)
    resources = PDict(line=line_of(data.get("Resources")))
    for name, body in data["Resources"].items():
        properties = body.get("Properties") if isinstance(body, dict) else None
        if isinstance(body, dict) and body.get("Type") == "AWS::Serverless::Application" and isinstance(properties, dict):
            body = _offline_application(body, properties)
        type_name = body.get("Type") if isinstance(body, dict) else None
        # a Type that is not a string (a list, a mapping) names no type: never a lookup key
        names = _LOCAL_PATH_PROPERTIES.get(type_name) if isinstance(type_name, str) else None
        if names and isinstance(properties, dict):
            fixed = _replace_local_paths(properties, names)
            if fixed is not properties:
                body = _copy_with(body, "Properties", fixed)
        resources[name] = body
    copied["Resources"] = resources
    globals_section = data.get("Globals")
    if isinstance(globals_section, dict):
        fixed_globals = dict(globals_section)
        for section, names in (("Function", ("CodeUri",)), ("Api", ("DefinitionUri",)),
                               ("HttpApi", ("DefinitionUri",))):
            if isinstance(globals_section.get(section), dict):
                fixed_globals[section] = _replace_local_paths(globals_section[section], names)
        copied["Globals"] = fixed_globals
    return copied


def _no_network():
    """The Serverless Application Repository client the translator would create: a scan never
    calls AWS (applications are rewritten to template URLs before translation)."""
    raise RuntimeError("the Serverless Application Repository is not called during a scan")


def _offline_application(body: dict, properties: dict) -> dict:
    """An application from the Serverless Application Repository (``Location: {ApplicationId,
    SemanticVersion}``) becomes a nested stack whose TemplateURL names it: the translator would
    otherwise ask the repository (over the network) for the template. The nested stack is
    reported as not analysed, like any template that is not a local file."""
    location = properties.get("Location")
    if not isinstance(location, dict):
        return body
    app_id, version = location.get("ApplicationId"), location.get("SemanticVersion")
    named = f"{app_id}@{version}" if isinstance(app_id, str) and isinstance(version, str) else "application"
    return _copy_with(body, "Properties", _copy_with(properties, "Location", f"serverlessrepo://{named}"))


def _replace_local_paths(properties: dict, names: tuple[str, ...]) -> dict:
    result = properties
    for name in names:
        value = properties.get(name)
        if isinstance(value, str) and not value.startswith("s3://"):
            if result is properties:
                result = _copy_with(properties, name, None)
            result[name] = f"s3://{_PLACEHOLDER_BUCKET}/{value.strip('./') or 'code'}"
    return result


def _copy_with(mapping: dict, key: str, value: Any) -> PDict:
    copied = PDict(mapping, line=line_of(mapping))
    if value is not None:
        copied[key] = value
    return copied


def _origin_line(logical_id: str, sam_lines: dict[str, int], default: int) -> int:
    if logical_id in sam_lines:
        return sam_lines[logical_id]
    owners = [name for name in sam_lines if logical_id.startswith(name)]
    return sam_lines[max(owners, key=len)] if owners else default


def _positioned_output(output: dict, original: dict, sam_lines: dict[str, int], section_line: int) -> PDict:
    template = PDict(line=1)
    for key, value in output.items():
        if key != "Resources":
            template[key] = _position(value, 1)
    resources = PDict(line=section_line)
    for logical_id, body in (output.get("Resources") or {}).items():
        line = _origin_line(str(logical_id), sam_lines, section_line)
        resources[logical_id] = _position(body, line, top=True)
        if logical_id not in original:
            # CloudFormation metadata of a generated resource: where in the template it came from
            metadata = resources[logical_id].setdefault("Metadata", PDict(line=line))
            if isinstance(metadata, dict):
                owner = next((n for n in sorted(sam_lines, key=len, reverse=True) if str(logical_id).startswith(n)),
                             None)
                if owner:
                    metadata.setdefault("SamResourceId", owner)
    template["Resources"] = resources
    return template


def _position(value: Any, line: int, top: bool = False) -> Any:
    """Plain translator output as PDict/PList. Dicts the translator copied from the template
    keep their lines; everything new takes the line of its nearest positioned parent."""
    if isinstance(value, dict):
        own = line_of(value)
        here = line if top or not own else own
        positioned = PDict({k: _position(v, here) for k, v in value.items()}, line=here)
        positioned.file = getattr(value, "file", None)  # read from an AWS::Include file
        return positioned
    if isinstance(value, list):
        own = line_of(value)
        here = own or line
        return PList([_position(v, here) for v in value], line=here)
    return value
