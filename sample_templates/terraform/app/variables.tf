variable "environment" {
  type    = string
  default = "dev"
}

variable "ci_user" {
  type = string
}

variable "admin_actions" {
  type    = list(string)
  default = ["*"]
}
