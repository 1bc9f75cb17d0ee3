module "shared_bucket" {
  source        = "../modules/shared_bucket"
  bucket_name   = "${local.prefix}-shared"
  reader_accounts = ["*"]
}

output "bucket_arn" {
  value = module.shared_bucket.arn
}
