"""The HTTP edge: GraphQL, health and keys; parse, authorise, call a service or read a read model."""
