variable "bucket_name" {
  type = string
}

variable "reader_accounts" {
  type    = list(string)
  default = []
}
