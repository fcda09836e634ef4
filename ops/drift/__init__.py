"""`make drift`: what the deployed template declares for our custom resources vs what
Personalize reports (CloudFormation's own drift detection skips custom resources)."""
