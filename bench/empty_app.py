"""The synth floor: an app with one (near-)empty stack, same aws-cdk-lib, same cdk.json context.

`cdk synth --app "<venv python> bench/empty_app.py"` (run from the repo root, so the CLI reads
cdk.json's context flags exactly as for the real app).
"""

import aws_cdk as cdk

app = cdk.App()
stack = cdk.Stack(app, "BenchEmpty")
# cdk.json turns on template validation, which refuses a stack without resources: one free,
# property-less resource makes the smallest valid template.
cdk.CfnWaitConditionHandle(stack, "Nothing")
app.synth()
