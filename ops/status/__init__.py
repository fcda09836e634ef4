"""`make status`: one screen of a deployed stack's Personalize side (see `collect` and `screen`)."""
