"""IAG-GR-005: with --diff-base, the settings file or the baseline lets through what the base's blocked."""

from iacguard.checks_api import CheckContext, check

WHERE = ("it judges a change to the settings file (.iacguard.yaml or [tool.iacguard]) or the baseline "
         "against the base revision of `scan --diff-base`, not a template")


@check(
    "IAG-GR-005",
    family="guardrails",
    severity="high",
    title="Settings weaken the gate",
    why="""The settings file and the baseline live in the repository, so a pull request can change
them along with the templates: disable the check its template would fail, lower a severity, raise
`fail_on`, trust another account, or baseline its own findings. The gate would then pass the
change it exists to stop. With `--diff-base`, any such weakening compared with the base revision
is a finding of its own that blocks at every `fail_on` but `none` (given on the command line, or
already the base's); settings cannot turn it off, lower its severity or raise `fail_on` past the
base's.""",
    fix="""Keep the gate's settings as on the base branch in this change, and make the weakening a
separate change that the owners of the gate review. Run CI with the base branch's settings
(README "Gate workflow", docs/github-actions.md) so that a pull request's settings never decide
its own verdict.""",
    controls=("iacguard gate hygiene",),
    not_applicable={"cloudformation": WHERE, "terraform": WHERE},
)
def settings_weakened(ctx: CheckContext) -> None:
    """With `scan --diff-base REF`, compares the settings file the scan uses (as written, without
    command-line options) with the one the same scan finds at REF (the same file when given with
    `--config`; defaults when there was none), and the baseline in effect with the baseline at REF.
    Reports, at the line of the key: `fail_on` raised; checks that ran at REF turned off by
    `disable` or `enable`; a check's severity lowered by `severity_overrides`; accounts added to
    `trusted_accounts` or `deploy_accounts`; `organization_id` set or changed; a profile removed;
    `allow_unresolved` turned on; `modules_not_on_disk` turned from `error` back to `report`;
    `require_permissions_boundary` turned off; patterns added to `exclude`. And, at the first
    added entry of the baseline file, the entries added (or recorded at a higher severity) since
    REF. A settings file or baseline outside the repository (the CI owner's, from the command line)
    is not compared. Without `--diff-base` there is nothing to compare and nothing is reported."""
    for change in ctx.settings_changes or ():
        ctx.report(change.place, change.message, evidence=change.evidence,
                   key=change.setting, content=change.evidence)
