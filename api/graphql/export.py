"""Print the GraphQL schema as SDL: `python -m api.graphql.export > schema.graphql`."""

from __future__ import annotations

from api.graphql.schema import schema


def sdl() -> str:
    return schema.as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
