"""What every resource handler shares, each rule in one module:

- `client_errors`: `ignoring(*codes)`, `not_found(what)`: the only places a ClientError is inspected.
- `ownership`: the owner tag (who made a resource) and the take-over rule on ResourceAlreadyExists.
- `status`: the status ladder (ACTIVE / FAILED / in progress) and writes that meet ResourceInUse.
- `wait`: a bounded wait (a budget counted from a recorded start).
- `deletion`: delete what we own, release what we adopted, poll until gone.
- `adoption`: what an adopted resource had, recorded on it before the stack changes it.
- `tagging`: a change of the config's tags, applied in place (the config's keys only).

A lifecycle rule changes here, once, for solutions and campaigns alike: the owner tag's format
(`ownership.owner_value`), who may be taken over (`ownership.create_or_take_over`), how a delete
waits (`deletion.delete_progress`, which a `wait.Budget` can bound).
"""
