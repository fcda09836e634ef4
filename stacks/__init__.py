"""CDK stacks and constructs of the Personalize training layer."""
