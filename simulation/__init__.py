"""The world our tests and benchmarks deploy into, since no AWS account is reachable here.

- `personalize` / `personalize_server`: a fake Amazon Personalize that speaks the real
  AWS JSON 1.1 protocol to an unmodified boto3 client (`AWS_ENDPOINT_URL_PERSONALIZE`).
- `cloudformation`: CloudFormation and the aws-cdk-lib Provider framework played over a
  synthesized template.
- `clock`: the virtual clock both run on, so hours of training take seconds.
"""
