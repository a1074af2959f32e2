"""The running GraphQL schema matches schema.graphql and keeps every name of the public contract."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)

from api.graphql.export import sdl

ROOT = Path(__file__).resolve().parents[2]


def _contract_file(name: str) -> Path:
    """The shared contract where it is at hand; the repository keeps a copy for a clone without it."""
    shared = ROOT.parent / "shared" / name
    return shared if shared.exists() else ROOT / "docs" / name


CONTRACT = _contract_file("contract.graphql")
ADDITIONS = _contract_file("contract-additions.graphql")
# The additions name fields of existing types in comments ("#   Tenant.commitments(asOf: Date): [...]!"),
# and PageInfo's four fields in one ("#   type PageInfo { ... }").
ADDED_FIELD = re.compile(r"^#\s+(\w+)\.(\w+(?:\([^)]*\))?):\s*(\[?\w+!?\]?!?)")
ADDED_TYPE = re.compile(r"^#\s+(type \w+ \{.*\})\s*$")


def additions_sdl(text: str, base: GraphQLSchema | None = None) -> str:
    """The additions file as SDL: its definitions, and its commented additions to other types.

    A type the base contract lacks is declared rather than extended, and a field it already has is left
    out, so that the two parse together.
    """
    known = base.type_map if base is not None else {}
    lines: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            lines.append(line)
            continue
        whole = ADDED_TYPE.match(line)
        parts = [whole.group(1)] if whole else []
        for piece in line.split(" and "):
            field = ADDED_FIELD.match(piece if piece.startswith("#") else "#   " + piece.strip())
            if field:
                owner, name, kind = field.groups()
                keyword = "input" if owner.endswith("Input") else "type"
                parts.append(f"{keyword} {owner} {{ {name}: {kind} }}")
        for part in parts:
            keyword, owner, rest = part.split(" ", 2)
            existing = known.get(owner)
            if isinstance(existing, GraphQLObjectType | GraphQLInputObjectType):
                fields = re.findall(r"(\w+)(?:\([^)]*\))?:\s*\[?\w+!?\]?!?", rest)
                kept = [
                    f
                    for f in re.findall(r"\w+(?:\([^)]*\))?:\s*\[?\w+!?\]?!?", rest)
                    if f.split("(")[0].split(":")[0] not in existing.fields
                ]
                del fields
                if kept:
                    lines.append(f"extend {keyword} {owner} {{ {' '.join(kept)} }}")
            elif existing is None and base is not None:
                lines.append(part)
            else:
                lines.append(f"extend {part}")
    return "\n".join(lines)


def contract_names_missing_from(ours: GraphQLSchema, contract: GraphQLSchema) -> dict[str, str]:
    """Every contract type, field, argument and enum value that `ours` lacks or types differently."""
    problems: dict[str, str] = {}
    for name, theirs in contract.type_map.items():
        if name.startswith("__"):
            continue
        mine = ours.type_map.get(name)
        if mine is None:
            problems[name] = "type missing"
            continue
        if isinstance(theirs, GraphQLEnumType):
            assert isinstance(mine, GraphQLEnumType), name
            for value in set(theirs.values) - set(mine.values):
                problems[f"{name}.{value}"] = "enum value missing"
        if isinstance(theirs, GraphQLObjectType | GraphQLInputObjectType):
            assert isinstance(mine, GraphQLObjectType | GraphQLInputObjectType), name
            for field_name, field in theirs.fields.items():
                ours_field = mine.fields.get(field_name)
                where = f"{name}.{field_name}"
                if ours_field is None:
                    problems[where] = "field missing"
                    continue
                if str(ours_field.type) != str(field.type):
                    problems[where] = f"type {ours_field.type} instead of {field.type}"
                for arg_name, arg in getattr(field, "args", {}).items():
                    ours_arg = getattr(ours_field, "args", {}).get(arg_name)
                    if ours_arg is None or str(ours_arg.type) != str(arg.type):
                        problems[f"{where}({arg_name})"] = "argument missing or typed differently"
    return problems


def test_the_exported_schema_file_is_the_running_schema() -> None:
    exported = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert exported == sdl(), "schema.graphql is stale: run `python -m api.graphql.export > schema.graphql`"


def test_every_contract_name_is_served_with_its_type() -> None:
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    assert contract_names_missing_from(build_schema(sdl()), contract) == {}


def test_every_name_of_the_contract_additions_is_served_with_its_type() -> None:
    # CommitmentInput is named by the additions but left to us to shape; a stub lets them parse.
    base_text = CONTRACT.read_text(encoding="utf-8") + "\ninput CommitmentInput { key: String! }"
    base = build_schema(base_text)
    additions = additions_sdl(ADDITIONS.read_text(encoding="utf-8"), base)
    contract = build_schema(base_text + "\n" + additions)
    assert contract_names_missing_from(build_schema(sdl()), contract) == {}


def test_the_additions_commented_fields_are_read_as_extensions() -> None:
    sdl_text = additions_sdl(
        "#   Tenant.commitments(asOf: Date): [Commitment!]!\n"
        "#   SectionInput.planned: [String!] and SectionInput.commitments: [CommitmentInput!] (publish)\n"
        "#   type PageInfo { hasNextPage: Boolean! endCursor: String }\n"
    )
    assert sdl_text.splitlines() == [
        "extend type Tenant { commitments(asOf: Date): [Commitment!]! }",
        "extend input SectionInput { planned: [String!] }",
        "extend input SectionInput { commitments: [CommitmentInput!] }",
        "extend type PageInfo { hasNextPage: Boolean! endCursor: String }",
    ]
    base = build_schema("type Query { a: Int } type PageInfo { hasNextPage: Boolean! endCursor: String }")
    extended = additions_sdl(
        "#   type PageInfo { hasNextPage: Boolean! startCursor: String }\n#   Other.x: Int", base
    )
    assert extended.splitlines() == ["extend type PageInfo { startCursor: String }", "type Other { x: Int }"]


def test_the_check_notices_a_missing_or_retyped_name() -> None:
    contract = build_schema(
        "type Query { tenants(tier: Tier): [Tenant!]! } type Tenant { slug: String! } enum Tier { A B }"
    )
    ours = build_schema(
        "type Query { tenants(tier: Tier): [Tenant] } type Tenant { name: String } enum Tier { A }"
    )
    assert contract_names_missing_from(ours, contract) == {
        "Query.tenants": "type [Tenant] instead of [Tenant!]!",
        "Tenant.slug": "field missing",
        "Tier.B": "enum value missing",
    }
