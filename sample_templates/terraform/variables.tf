variable "service" {
  type    = string
  default = "orders"
}

variable "environment" {
  type    = string
  default = "prod"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "github_repository" {
  description = "owner/name of the repository whose workflow deploys this service"
  type        = string
  default     = "example-org/orders-service"
}
