"""The pre-deploy gate: checkov (built-in checks and ours), Terraform's parser, justified suppressions."""
