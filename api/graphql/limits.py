"""Bounds on a document's work, measured with its fragments expanded, checked before any other rule runs."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

# Fields selected after every fragment spread is expanded. The largest document the guides send selects
# 29, GraphiQL's introspection 229. A fragment that spreads the next one twice doubles the count, so a
# short text could ask for exponential work; graphql-core's own overlap rule takes about 30 ms for 500.
MAX_FIELDS = 500
MAX_DEPTH = 12
MAX_ALIASES = 30
# Validation results kept per process, by the document's text: integrators send the same few documents
# again and again, and validating one cost more than running it.
VALIDATED = 512


@dataclass(frozen=True)
class Size:
    """What one selection set amounts to with its fragments expanded (each figure saturates at its cap)."""

    fields: int
    depth: int  # the deepest field below it, 0 for a leaf's own level
    aliases: int


_EMPTY = Size(0, -1, 0)


def _cap(value: int, limit: int) -> int:
    return min(value, limit + 1)


class _Measure:
    """Measures a document in time linear in its text: each fragment is measured once and remembered."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.sizes: dict[str, Size] = {}
        self.measuring: set[str] = set()

    def fragment(self, name: str) -> Size:
        known = self.sizes.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        # An unknown fragment, or one that spreads itself, is left for validation to name; here it
        # counts for nothing, so the measure always ends.
        if definition is None or name in self.measuring:
            return _EMPTY
        self.measuring.add(name)
        size = self.selections(definition.selection_set)
        self.measuring.discard(name)
        self.sizes[name] = size
        return size

    def selections(self, selection_set: SelectionSetNode | None) -> Size:
        fields, depth, aliases = 0, -1, 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                below = self.selections(selection.selection_set)
                fields += 1 + below.fields
                # As strawberry's depth limit did: introspection ("__schema") is as deep as its schema
                # needs, and counts as a leaf here; its fields still count.
                introspection = selection.name.value.startswith("__")
                depth = max(depth, 0 if introspection else below.depth + 1)
                aliases += below.aliases + (1 if selection.alias else 0)
            else:
                inner = (
                    self.fragment(selection.name.value)
                    if isinstance(selection, FragmentSpreadNode)
                    else self.selections(selection.selection_set)
                    if isinstance(selection, InlineFragmentNode)
                    else _EMPTY
                )
                fields += inner.fields
                depth = max(depth, inner.depth)
                aliases += inner.aliases
            # Saturating keeps the numbers small whatever the document multiplies them by.
            fields, aliases = _cap(fields, MAX_FIELDS), _cap(aliases, MAX_ALIASES)
        return Size(fields, depth, aliases)


def measure(document: DocumentNode) -> Size:
    """The document's operations taken together: fields and aliases summed, the deepest depth."""
    measuring = _Measure(document)
    fields, depth, aliases = 0, -1, 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            size = measuring.selections(definition.selection_set)
            fields = _cap(fields + size.fields, MAX_FIELDS)
            depth = max(depth, size.depth)
            aliases = _cap(aliases + size.aliases, MAX_ALIASES)
    # A fragment no operation uses is still work for validation: it may not be larger either.
    for name in measuring.fragments:
        fields = max(fields, measuring.fragment(name).fields)
    return Size(fields, depth, aliases)


def refusal(document: DocumentNode) -> str | None:
    """Why the document is too much work, or None."""
    size = measure(document)
    if size.fields > MAX_FIELDS:
        return (
            f"The document selects more than {MAX_FIELDS} fields once its fragments are expanded; "
            "ask for less in one request."
        )
    if size.depth > MAX_DEPTH:
        return f"The document exceeds the maximum depth of {MAX_DEPTH} nested fields."
    if size.aliases > MAX_ALIASES:
        return f"The document uses more than {MAX_ALIASES} aliases; at most {MAX_ALIASES} are allowed."
    return None


# Keyed by the text: the same text is the same document, whichever parse of it is at hand.
_validated: OrderedDict[tuple[str, tuple[type[ASTValidationRule], ...]], list[GraphQLError]] = OrderedDict()


def _validate(
    query: str, schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    key = (query, rules)
    found = _validated.get(key)
    if found is None:
        found = validate_document(schema, document, rules)
        _validated[key] = found
        if len(_validated) > VALIDATED:
            _validated.popitem(last=False)
    else:
        _validated.move_to_end(key)
    return found


class BoundedValidation(SchemaExtension):
    """Measures the document first and refuses it over a bound; only then validates it, once per text.

    Measuring is linear in the document's text, so no document under the token limit can make
    validation (or any rule of it) do more than a bounded amount of work.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            reason = refusal(document)
            if reason is not None:
                context.pre_execution_errors = [GraphQLError(reason, extensions={"code": "BAD_USER_INPUT"})]
            elif context.query:
                context.pre_execution_errors = _validate(
                    context.query, context.schema._schema, document, tuple(context.validation_rules)
                )
        yield
