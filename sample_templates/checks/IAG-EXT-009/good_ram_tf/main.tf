# Without allow_external_principals, RAM shares only inside the organisation.
resource "aws_ram_resource_share" "subnets" {
  name = "subnets"
}

resource "aws_ram_principal_association" "member" {
  resource_share_arn = aws_ram_resource_share.subnets.arn
  principal          = "444455556666"
}
