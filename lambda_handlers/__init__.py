"""Lambda code of the Personalize custom resources, served by one Provider per stack."""
