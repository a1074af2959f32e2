"""Read models: one module per question, each kept current from the event store exactly once."""
