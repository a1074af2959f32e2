"""The Local Compact domain: aggregates, events and rules, free of frameworks and I/O."""
