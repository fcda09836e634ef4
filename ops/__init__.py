"""Command-line tools for the people who run this app: what a synth produced (`summary`),
what a change does (`impact`), what a deployed stack is doing (`status`) and what was changed
outside CloudFormation (`drift`); the shared readers of cloud assemblies (`assembly`),
training chains (`chain`), template values (`template`), deployed stacks (`reader`) and what
CloudFormation's registry schemas say of native types (`cfn_registry`)."""
