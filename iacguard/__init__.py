"""iacguard: a pre-deploy gate for AWS identity and access in Terraform and CloudFormation."""

__version__ = "0.1.0"
