"""Fix text in the language of the file a finding is about.

A Terraform user is shown Terraform (``data.aws_caller_identity.current.account_id``,
``condition`` blocks of ``aws_iam_policy_document``, ``source_arn`` of
``aws_lambda_permission``), a CloudFormation user CloudFormation (``!Sub "${AWS::AccountId}"``,
``Condition:`` maps, ``SourceArn``), in YAML or JSON as the template is written. Every finding
that says how it would be fixed says it after :data:`FIXED_BY`.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["FIXED_BY", "DEPLOYING_ACCOUNT", "TERRAFORM", "CLOUDFORMATION", "CLOUDFORMATION_JSON", "FixText",
           "fix_for"]

FIXED_BY = "would be fixed by: "
# A value in a fix that stands for the deploying account, spelled by each language
DEPLOYING_ACCOUNT = "${AWS::AccountId}"
TERRAFORM = "terraform"
CLOUDFORMATION = "cloudformation"          # YAML (the short-form intrinsics)
CLOUDFORMATION_JSON = "cloudformation-json"

_ACCOUNT = {TERRAFORM: "data.aws_caller_identity.current.account_id",
            CLOUDFORMATION: '!Sub "${AWS::AccountId}"',
            CLOUDFORMATION_JSON: '{"Fn::Sub": "${AWS::AccountId}"}'}


class FixText:
    """The spelling of fixes in one language (:data:`TERRAFORM`, :data:`CLOUDFORMATION`,
    :data:`CLOUDFORMATION_JSON`)."""

    def __init__(self, language: str) -> None:
        self.language = language if language in _ACCOUNT else CLOUDFORMATION

    @property
    def terraform(self) -> bool:
        return self.language == TERRAFORM

    @property
    def deploying_account(self) -> str:
        """The deploying account as a value of this language."""
        return _ACCOUNT[self.language]

    def pick(self, cloudformation: str, terraform: str) -> str:
        """The text of this language of two (a property name and its argument name, say)."""
        return terraform if self.terraform else cloudformation

    def value(self, value: str) -> str:
        """One value of a fix: a literal, or :data:`DEPLOYING_ACCOUNT` spelled for the language."""
        if value == DEPLOYING_ACCOUNT:
            return self.deploying_account
        if self.language == CLOUDFORMATION and value.startswith("<") and value.endswith(">"):
            return value  # a placeholder reads better unquoted in YAML
        return json.dumps(value)

    def condition(self, operator: str, key: str, values: list[str] | str) -> str:
        """A policy condition: a ``condition`` block of ``aws_iam_policy_document`` in Terraform,
        a ``Condition`` map in CloudFormation."""
        listed = [values] if isinstance(values, str) else list(values)
        shown = [self.value(v) for v in listed]
        one = shown[0] if len(shown) == 1 else "[" + ", ".join(shown) + "]"
        if self.terraform:
            # HCL allows one argument in a one-line block, so a message names the block's
            # arguments rather than show a block that does not parse if pasted
            return (f'a condition block (test = "{operator}", variable = "{key}", '
                    f'values = [{", ".join(shown)}])')
        if self.language == CLOUDFORMATION_JSON:
            return f'"Condition": {{"{operator}": {{"{key}": {one}}}}}'
        return f'Condition: {{{operator}: {{"{key}": {one}}}}}'

    def setting(self, cloudformation: str, terraform: str, value: Any) -> str:
        """A resource property set to a literal (``AuthType: AWS_IAM`` / ``authorization_type =
        "AWS_IAM"``) or to :data:`DEPLOYING_ACCOUNT`."""
        if value == DEPLOYING_ACCOUNT:
            shown = self.deploying_account
        elif self.language == CLOUDFORMATION and not isinstance(value, bool):
            shown = str(value)
        else:
            shown = json.dumps(value)
        if self.terraform:
            return f"{terraform} = {shown}"
        if self.language == CLOUDFORMATION_JSON:
            return f'"{cloudformation}": {shown}'
        return f"{cloudformation}: {shown}"


def fix_for(resource: Any) -> FixText:
    """The fix language of a loaded resource: Terraform for HCL and plans, CloudFormation (JSON
    when the template is JSON) otherwise."""
    source = str(getattr(resource, "source", "") or "")
    if source.startswith("terraform"):
        return FixText(TERRAFORM)
    file = str(getattr(resource, "file", "") or "")
    if file.lower().endswith(".json"):
        return FixText(CLOUDFORMATION_JSON)
    return FixText(CLOUDFORMATION)
