resource "aws_ram_resource_share" "subnets" {
  name                      = "subnets"
  allow_external_principals = true
}

resource "aws_ram_principal_association" "vendor" {
  resource_share_arn = aws_ram_resource_share.subnets.arn
  principal          = "444455556666"
}
