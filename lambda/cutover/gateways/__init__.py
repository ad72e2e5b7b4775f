"""One gateway per AWS service: the only modules that call boto3."""
