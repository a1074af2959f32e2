"""The GraphQL endpoint over HTTP as its specification says, with persisted queries and the schema as SDL."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from cross_web import HTTPException
from litestar import MediaType, Request, Response, get, post
from litestar.background_tasks import BackgroundTasks
from litestar.datastructures import Accept
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException, ValidationException
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_304_NOT_MODIFIED,
    HTTP_400_BAD_REQUEST,
    HTTP_405_METHOD_NOT_ALLOWED,
)
from strawberry import Schema
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.litestar import BaseContext, make_graphql_controller
from strawberry.litestar.controller import GraphQLController, GraphQLResource
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from api.graphiql import graphiql_page
from api.graphql.context import Loaders
from api.graphql.persisted import PersistedQueries, PersistedQueryRefused
from api.responses import json_error
from api.standby import READ_FROM_HEADER

log = logging.getLogger(__name__)
# Logged each time a request is answered again from the primary (the soak counts these lines).
ANSWERED_AGAIN = "a read on the standby failed under way; the request is answered again from the primary"

NOT_UTF8 = "The body is not UTF-8 text; send the request as JSON in UTF-8."
NOT_A_REQUEST = (
    'The body must be a JSON object with a \'query\' string, as UTF-8: {"query": "...", "variables": {...}}.'
)
NOT_JSON_PARAMETER = (
    "In a GET request, `variables` and `extensions` must each be a JSON object, URL-encoded: "
    '?query=...&variables={"slug":"harlow"}.'
)
BY_GET = "Only queries may be sent by GET; send a mutation by POST."
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# Offered in this order, so a caller that accepts anything (`*/*`) or says nothing keeps the contract's JSON.
OFFERED = [JSON, GRAPHQL_RESPONSE]
CONTENT_TYPE = {JSON: JSON, GRAPHQL_RESPONSE: f"{GRAPHQL_RESPONSE}; charset=utf-8"}
# litestar adds the charset to a text type.
SDL_TYPE = MediaType.TEXT
# strawberry's controller takes litestar's requests untyped in their user, auth and state.
HTTPRequest = Request[Any, Any, Any]
# The app's context for a request (api/app.py: context_getter).
ContextGetter = Callable[[HTTPRequest], Awaitable[BaseContext]]


def response_media_type(accept: str | None) -> str:
    """The media type of the answer: graphql-response+json only when the caller's Accept prefers it."""
    if not accept:
        return JSON
    return Accept(accept).best_match(OFFERED, default=JSON)


def is_request_error(result: ExecutionResult) -> bool:
    """Whether the operation never ran: it did not parse or validate, or its variables did not coerce.

    Such errors have no path, and the result no data; an error in a field always has a path.
    """
    errors = result.errors or []
    return result.data is None and bool(errors) and all(not e.path for e in errors)


def error_answer(message: str, code: str, status: int, media_type: str) -> Response[Any]:
    """A refused request; in graphql-response+json without `data`, since no operation ran.

    Never cached: a persisted query unknown now is known once the caller has sent it.
    """
    error = json_error(message, code)
    body: dict[str, object] = dict(error)
    if media_type == GRAPHQL_RESPONSE:
        body = {"errors": error["errors"]}
    headers = {"Cache-Control": "no-store"}
    return Response(body, status_code=status, media_type=CONTENT_TYPE[media_type], headers=headers)


class Conventions(GraphQLController):
    """What the registry's GraphQL endpoint does beyond strawberry's controller; `graphql_controller` puts it
    in front of the controller strawberry makes for a schema.

    strawberry took `null`, `123`, `"x"` or `true` for a body and failed on it with a 500, as it did on
    a body that is not UTF-8; and it answered its own refusals in plain text. Here each is a 400 with the
    contract's BAD_USER_INPUT, shaped as every other error.

    A caller that accepts `application/graphql-response+json` gets its answers in it, and a request that
    fails before its operation runs (parse, validation, variables) is then a 400 with no `data`; with
    `application/json` such a request keeps the contract's 200 and `"data": null`.
    """

    persisted: PersistedQueries
    sdl: str
    sdl_etag: str

    def decode_json(self, data: str | bytes) -> object:
        return decode_body(data)

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        # decode_json's reasons speak of a body, which a GET request does not have.
        try:
            parsed: dict[str, Any] = super().parse_query_params(params)
        except HTTPException as error:
            raise HTTPException(HTTP_400_BAD_REQUEST, NOT_JSON_PARAMETER) from error
        return parsed

    async def render_graphql_ide(self, request: HTTPRequest) -> Response[str]:
        # GraphiQL from the platform's own files, not strawberry's page, which loads it from a CDN.
        return graphiql_page()

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A persisted query sent by GET has no `query`; it is still a request, not a browser's visit.
        return super().should_render_graphql_ide(request) and "extensions" not in request.query_params

    # strawberry's handlers take four dependencies: litestar resolves three of them concurrently in a task
    # group and one (an empty response) on a worker thread, which cost a lookup an eighth of its time in
    # the API. These take one, `context`, which brings the per-request response with it (graphql_controller).
    @get(raises=[ValidationException, NotFoundException])
    async def handle_http_get(
        self, request: HTTPRequest, context: NamedDependency[Any]
    ) -> Response[GraphQLResource | str]:
        self.temporal_response = context.response
        return await self.execute_request(request=request, context=context, root_value=None)

    @post(status_code=HTTP_200_OK)
    async def handle_http_post(
        self, request: HTTPRequest, context: NamedDependency[Any]
    ) -> Response[GraphQLResource | str]:
        self.temporal_response = context.response
        return await self.execute_request(request=request, context=context, root_value=None)

    async def execute_request(
        self, request: HTTPRequest, context: Any, root_value: Any
    ) -> Response[GraphQLResource | str]:
        media_type = response_media_type(request.headers.get("accept"))
        # strawberry copies this per-request response's headers onto the answer it makes.
        self.temporal_response.headers["content-type"] = CONTENT_TYPE[media_type]
        try:
            response: Response[GraphQLResource | str] = await self.run(
                request, context=context, root_value=root_value
            )
        except PersistedQueryRefused as refused:
            # A request error like a document that does not validate: 200 in the contract's JSON.
            status = HTTP_400_BAD_REQUEST if media_type == GRAPHQL_RESPONSE else HTTP_200_OK
            return error_answer(refused.message, refused.code, status, media_type)
        except HTTPException as error:
            return error_answer(error.reason, "BAD_USER_INPUT", error.status_code, media_type)
        return response

    async def execute_single(
        self,
        request: HTTPRequest,
        request_adapter: Any,
        sub_response: Response[Any],
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        resolved = self.persisted.resolve(request_data.query, request_data.extensions)
        request_data = replace(request_data, query=resolved.query)
        try:
            result = await self.execute_on_standby_or_primary(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            # GraphQL over HTTP: a mutation sent by GET is 405, where strawberry says 400.
            if isinstance(error.__cause__, InvalidOperationTypeError) and request.method == "GET":
                raise HTTPException(HTTP_405_METHOD_NOT_ALLOWED, BY_GET) from error
            raise
        if resolved.register is not None and resolved.query is not None and not is_request_error(result):
            self.persisted.store(resolved.register, resolved.query)
        return result

    async def execute_on_standby_or_primary(
        self,
        request: HTTPRequest,
        request_adapter: Any,
        sub_response: Response[Any],
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """The operation, answered again from the primary if the standby stopped under one of its reads."""
        status = sub_response.status_code
        result: ExecutionResult = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        loaders = getattr(context, "loaders", None)
        if not isinstance(loaders, Loaders):
            return result
        reads = loaders.reads
        if reads.answer_again():
            # The standby stopped under a read, and no command ran: answer from the primary, as if the
            # standby had been down from the start, rather than with a 503.
            log.warning(ANSWERED_AGAIN)
            context.loaders = Loaders(reads.on_primary(), loaders.actor)
            sub_response.status_code = status
            sub_response.headers.pop("Retry-After", None)
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
            reads = context.loaders.reads
        if reads.standby is not None and reads.sources:
            sub_response.headers[READ_FROM_HEADER] = ", ".join(sorted(reads.sources))
        return result

    async def process_result(self, request: HTTPRequest, result: ExecutionResult) -> GraphQLHTTPResponse:
        answer: GraphQLHTTPResponse = await super().process_result(request, result)
        if (
            is_request_error(result)
            and response_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE
        ):
            del answer["data"]
        return answer

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response[bytes],
    ) -> Response[bytes]:
        if isinstance(response_data, dict) and "data" not in response_data:
            sub_response.status_code = HTTP_400_BAD_REQUEST
        return super().create_response(response_data, sub_response)

    @get("/schema.graphql", operation_id="graphqlSchema", media_type=SDL_TYPE)
    async def schema_sdl(self, request: HTTPRequest) -> Response[str]:
        """The whole schema as SDL, in every mode: clients generate code from it without introspection."""
        headers = {"ETag": self.sdl_etag, "Content-Disposition": 'inline; filename="schema.graphql"'}
        if request.headers.get("if-none-match") == self.sdl_etag:
            return Response("", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(self.sdl, media_type=SDL_TYPE, headers=headers)


def decode_body(data: str | bytes) -> object:
    """A request body as JSON: an object (a request) or a list (a batch, which strawberry refuses itself).

    The standard library's decoder, not orjson: it keeps an escaped lone surrogate ("\\ud800") as text,
    which RefuseUnstorableText then names precisely.
    """
    try:
        value = json.loads(data)
    except UnicodeDecodeError as error:
        raise HTTPException(HTTP_400_BAD_REQUEST, NOT_UTF8) from error
    except json.JSONDecodeError as error:
        raise HTTPException(
            HTTP_400_BAD_REQUEST, f"The body is not JSON: {error}. {NOT_A_REQUEST}"
        ) from error
    if not isinstance(value, dict | list):
        raise HTTPException(HTTP_400_BAD_REQUEST, NOT_A_REQUEST)
    return value


def http_context(context_getter: ContextGetter) -> Callable[[HTTPRequest], Awaitable[BaseContext]]:
    """The one dependency of the HTTP handlers: `context_getter`'s context, holding its request and the
    response whose headers strawberry copies onto the answer."""

    async def context(request: HTTPRequest) -> BaseContext:
        made = await context_getter(request)
        made.request = request
        made.response = Response({}, background=BackgroundTasks([]))
        return made

    return context


def graphql_controller(
    schema: Schema, *, context_getter: ContextGetter, **options: Any
) -> type[GraphQLController]:
    """strawberry's controller for `schema`, with `options` as `make_graphql_controller` takes them, behind
    the registry's `Conventions`: persisted queries of its own, and the schema's SDL with its ETag."""
    base = make_graphql_controller(schema, context_getter=context_getter, **options)
    sdl = schema.as_str() + "\n"
    attributes = {
        "dependencies": {
            **base.dependencies,
            "context": Provide(http_context(context_getter)),
        },
        "persisted": PersistedQueries(),
        "sdl": sdl,
        "sdl_etag": f'"{hashlib.sha256(sdl.encode()).hexdigest()[:32]}"',
    }
    return type("Controller", (Conventions, base), attributes)
