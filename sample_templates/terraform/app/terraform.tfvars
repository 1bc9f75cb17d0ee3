ci_user = "ci-deployer"
