"""The public GraphQL contract: a module per feature, the context, the limits and the error codes."""

# The domain's enums must be GraphQL enums before any feature's type names one: strawberry would otherwise
# make a bare definition of its own on first sight, and the schema would hold two.
from api.graphql import common as _common  # noqa: F401
