variable "create_key" {
  type    = bool
  default = false
}

resource "aws_iam_user" "bot" {
  name = "bot"
}

resource "aws_iam_access_key" "bot" {
  count = var.create_key ? 1 : 0
  user  = aws_iam_user.bot.name
}
