"""IAG-EXT-005: a Lambda function URL that does not require IAM authentication."""

from iacguard.checks_api import FIXED_BY, CheckContext, Unknown, check, fix_for, function_urls

BAD_CFN = """\
HookUrl:
  Type: AWS::Lambda::Url
  Properties:
    TargetFunctionArn: !GetAtt Hook.Arn
    AuthType: NONE
"""
GOOD_CFN = """\
HookUrl:
  Type: AWS::Lambda::Url
  Properties:
    TargetFunctionArn: !GetAtt Hook.Arn
    AuthType: AWS_IAM
"""
BAD_TF = """\
resource "aws_lambda_function_url" "hook" {
  function_name      = aws_lambda_function.hook.function_name
  authorization_type = "NONE"
}
"""
GOOD_TF = """\
resource "aws_lambda_function_url" "hook" {
  function_name      = aws_lambda_function.hook.function_name
  authorization_type = "AWS_IAM"
}
"""


@check(
    "IAG-EXT-005",
    family="external-access",
    severity="high",
    title="Lambda function URL allows unauthenticated calls",
    why="""A function URL with `AuthType: NONE` is a public HTTPS endpoint: anyone on the internet
who finds the URL can invoke the function, with the function role's permissions, and run up its
cost. Only code that authenticates every request itself should be exposed this way.""",
    fix={"cloudformation": """Use `AuthType: AWS_IAM` and sign requests (SigV4), or put the function
behind API Gateway or CloudFront with an authoriser.""",
         "terraform": """Use `authorization_type = "AWS_IAM"` and sign requests (SigV4), or put the
function behind API Gateway or CloudFront with an authoriser."""},
    controls=("CT.LAMBDA.PR.5", "Security Hub Lambda.1"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def lambda_function_url_public(ctx: CheckContext) -> None:
    """Reports every `AWS::Lambda::Url` / `aws_lambda_function_url` whose auth type is `NONE` or
    missing (AWS rejects a missing one; CT.LAMBDA.PR.5 fails it); an auth type decided at deploy
    time is reported at low severity as unresolved."""
    for url in function_urls(ctx.model):
        target = url.function.address if url.function is not None else "its function"
        if isinstance(url.auth_type, Unknown):
            ctx.report(url.resource, f"{url.resource.address}: could not resolve the auth type ({url.auth_type}) of "
                                     f"the function URL of {target}", severity="low", key="url")
        elif url.auth_type is None or str(url.auth_type).strip().upper() != "AWS_IAM":
            state = "no auth type" if url.auth_type is None else f"auth type {url.auth_type}"
            ctx.report(url.resource, f"{url.resource.address}: the function URL of {target} has {state}: anyone "
                                     f"on the internet can invoke it (lambda:InvokeFunctionUrl); {FIXED_BY}"
                                     + fix_for(url.resource).setting("AuthType", "authorization_type", "AWS_IAM"),
                                     key="url")
