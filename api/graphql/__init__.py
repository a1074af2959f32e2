"""The public GraphQL contract: types, resolvers, context and error codes."""
