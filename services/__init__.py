"""The only writers: load an aggregate, check the actor and the rules, record, return the position."""
