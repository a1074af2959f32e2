"""The GraphQL endpoint: strawberry's litestar controller; a body that is not a request is a 400."""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from litestar import Request, Response
from litestar.status_codes import HTTP_400_BAD_REQUEST
from strawberry import Schema
from strawberry.litestar import make_graphql_controller
from strawberry.litestar.controller import GraphQLController, GraphQLResource

from api.responses import json_error

NOT_UTF8 = "The body is not UTF-8 text; send the request as JSON in UTF-8."
NOT_A_REQUEST = (
    'The body must be a JSON object with a \'query\' string, as UTF-8: {"query": "...", "variables": {...}}.'
)


def graphql_controller(schema: Schema, **options: Any) -> type[GraphQLController]:
    """strawberry's controller for `schema`, with `options` as `make_graphql_controller` takes them.

    strawberry took `null`, `123`, `"x"` or `true` for a body and failed on it with a 500, as it did on
    a body that is not UTF-8; and it answered its own refusals in plain text. Here each is a 400 with the
    contract's BAD_USER_INPUT, shaped as every other error.
    """
    base = make_graphql_controller(schema, **options)

    class Controller(base):  # type: ignore[valid-type,misc]
        def decode_json(self, data: str | bytes) -> object:
            # The standard library's decoder, not orjson: it keeps an escaped lone surrogate ("\ud800") as
            # text, which RefuseUnstorableText then names precisely.
            try:
                value = json.loads(data)
            except UnicodeDecodeError as error:
                raise HTTPException(HTTP_400_BAD_REQUEST, NOT_UTF8) from error
            except json.JSONDecodeError as error:
                raise HTTPException(
                    HTTP_400_BAD_REQUEST, f"The body is not JSON: {error}. {NOT_A_REQUEST}"
                ) from error
            # A list is a batch, which strawberry refuses with its own reason.
            if not isinstance(value, dict | list):
                raise HTTPException(HTTP_400_BAD_REQUEST, NOT_A_REQUEST)
            return value

        async def execute_request(
            self, request: Request[Any, Any, Any], context: Any, root_value: Any
        ) -> Response[GraphQLResource | str]:
            try:
                response: Response[GraphQLResource | str] = await self.run(
                    request, context=context, root_value=root_value
                )
            except HTTPException as error:
                return Response(
                    json_error(error.reason, "BAD_USER_INPUT"),  # type: ignore[arg-type]
                    status_code=error.status_code,
                )
            return response

    return Controller
