"""The real-account integration test (`make integ`): deploy a small config, check that it
serves, destroy it, check that nothing is left."""
