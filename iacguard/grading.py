"""How severe a finding is, by what it lets happen: one table, the README's and `iacguard explain`'s.

Each row is a consequence, the severity it gets, the rules that report it and why. A rule can
grade several consequences (IAG-LP-007: a secret read is high, a read of every object inside the
account is medium). Every rule's severity in code follows these rows; a condition that really
narrows a grant lowers a least-privilege finding one step (the last row).

``python -m iacguard.grading`` prints the README table; ``tests/test_grading.py`` keeps the README
equal to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Grade:
    consequence: str
    severity: str  # one of iacguard.severity.SEVERITIES, or LOWER
    rules: tuple[str, ...]
    why: str


LOWER = "one step lower"

GRADES: tuple[Grade, ...] = (
    Grade("Full administrator access (every action on every resource)", "critical", ("IAG-LP-001",),
          "the holder can do anything, including removing every guardrail and every trace"),
    Grade("A path to an administrator through another principal", "critical", ("IAG-PE-002",),
          "the holder becomes an administrator in a few API calls"),
    Grade("Public exposure: anyone may call, read or assume", "critical",
          ("IAG-EXT-001", "IAG-EXT-008", "IAG-EXT-009"),
          "no credentials of the account are needed at all"),
    Grade("Root-user or AWS credentials in code", "critical", ("IAG-ROOT-001", "IAG-ROOT-002"),
          "whoever reads the repository or the state acts as that user"),
    Grade("Permissions management: the holder decides who may do what", "high",
          ("IAG-LP-005", "IAG-LP-006", "IAG-LP-008", "IAG-PE-003"),
          "rewriting policies, trust or roles is escalation waiting for a caller"),
    Grade("Privilege escalation by one principal", "high", ("IAG-PE-001",),
          "the holder grants itself more than it was given"),
    Grade("Every action of a service, or every action but a list (NotAction), on every resource", "high",
          ("IAG-LP-002", "IAG-LP-003"),
          "every delete, policy change and logging switch of that service, including future actions"),
    Grade("Reads of secrets on every resource (secret values, parameters, KMS decryption)", "high",
          ("IAG-LP-007",), "secrets open every other door"),
    Grade("Reads of every object by a role a caller outside the zone of trust may assume", "high",
          ("IAG-LP-007",), "someone outside the account reads all of its data"),
    Grade("Access for an account outside the zone of trust, public ACLs and function URLs, "
          "unrestricted service principals", "high",
          ("IAG-EXT-002", "IAG-EXT-003", "IAG-EXT-005", "IAG-EXT-006", "IAG-EXT-008", "IAG-EXT-009"),
          "callers the owner did not choose reach the resource"),
    Grade("People without MFA on consoles and privileged roles; passwords or key secrets in clear text", "high",
          ("IAG-MFA-001", "IAG-MFA-002", "IAG-MFA-004", "IAG-AK-002"),
          "one phished or leaked password is the whole grant"),
    Grade("Guardrails that do nothing or weakened gate settings", "high",
          ("IAG-GR-000", "IAG-GR-004", "IAG-GR-005"), "a control that looks present but is not"),
    Grade("A trust that admits callers only without MFA (aws:MultiFactorAuthPresent false) on a role "
          "that is not privileged", "medium", ("IAG-MFA-002",),
          "it can only weaken sign-in; a role used by automation (another account, a role, sts:ExternalId) "
          "is no MFA finding at all"),
    Grade("Reads of every object by a holder inside the account", "medium", ("IAG-LP-007",),
          "a compromised workload reads everything, but the data is not secret by itself and "
          "nobody outside can assume the holder"),
    Grade("Write actions on every resource (or every resource but a list)", "medium",
          ("IAG-LP-004", "IAG-LP-005"),
          "one workload can damage every resource of that kind, but not change permissions"),
    Grade("Every action of a service, or every action but a list, on named resources", "medium",
          ("IAG-LP-002", "IAG-LP-003"),
          "broad on what it names, but the resources are chosen"),
    Grade("Hygiene that widens the damage of a leak: long-lived or extra keys, user policies, "
          "no boundary, weak password policy, no reset, no root monitoring, cross-account trust "
          "without ExternalId, public access block off", "medium",
          ("IAG-AK-001", "IAG-AK-003", "IAG-GR-001", "IAG-GR-003", "IAG-MFA-003", "IAG-MFA-005",
           "IAG-ROOT-003", "IAG-ROOT-004", "IAG-EXT-004", "IAG-EXT-007"),
          "not a grant by itself; it makes the next mistake worse"),
    Grade("Plumbing: what AWS's own service-role and basic-execution managed policies grant on * "
          "(log delivery, ENIs, X-Ray, the SSM agent's channel, image pulls), and what a service's own "
          "role policy grants it, in a policy only that service's roles hold", "low",
          ("IAG-LP-002", "IAG-LP-004", "IAG-LP-005"),
          "AWS grants exactly this to every such role; mixed statements name only the rest"),
    Grade("A user in no group that holds policies; another account while no zone of trust is configured "
          "(\"unknown, configure trusted_accounts\"); a finding whose party could not be resolved", "low",
          ("IAG-GR-002", "IAG-EXT-002", "IAG-EXT-006", "IAG-EXT-007", "IAG-EXT-009"),
          "worth a look, not a block: it may be your own account"),
    Grade("A condition that really narrows the grant (resource tags, kms:ViaService, source VPC ...)",
          LOWER, ("IAG-LP-002", "IAG-LP-003", "IAG-LP-004", "IAG-LP-005", "IAG-LP-006", "IAG-LP-007"),
          "the grant holds only for the requests the condition names"),
)


def grades_of(rule_id: str) -> list[Grade]:
    """The rows that grade ``rule_id`` (case-insensitive), in table order."""
    wanted = rule_id.strip().upper()
    return [g for g in GRADES if wanted in g.rules]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(grades: tuple[Grade, ...] | list[Grade] = GRADES) -> str:
    """The rows as a Markdown table (consequence, severity, rules, why)."""
    lines = ["| consequence | severity | rules | why |", "| --- | --- | --- | --- |"]
    for g in grades:
        lines.append(f"| {_cell(g.consequence)} | {g.severity} | {', '.join(g.rules)} | {_cell(g.why)} |")
    return "\n".join(lines) + "\n"


def text_rows(grades: list[Grade]) -> str:
    """The rows for a terminal: ``severity: consequence (why)``."""
    return "".join(f"- {g.severity}: {g.consequence} ({g.why})\n" for g in grades)


START, END = "<!-- grading table: python -m iacguard.grading --write -->", "<!-- end of grading table -->"


def readme_with_table(readme: str) -> str:
    """``readme`` with the text between the START and END markers replaced by the table."""
    head, found, rest = readme.partition(START)
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise ValueError("README.md has no grading table markers")
    return f"{head}{START}\n{markdown_table()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    import sys
    from pathlib import Path

    args = sys.argv[1:] if argv is None else argv
    if args == ["--write"]:
        readme = Path(__file__).resolve().parent.parent / "README.md"
        readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(markdown_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
