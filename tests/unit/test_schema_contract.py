"""The running GraphQL schema matches schema.graphql and keeps every name of the public contract."""

from __future__ import annotations

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
SHARED_CONTRACT = ROOT.parent / "shared" / "contract.graphql"
# The repository keeps a copy so a clone without the shared folder still checks the contract.
CONTRACT = SHARED_CONTRACT if SHARED_CONTRACT.exists() else ROOT / "docs" / "contract.graphql"


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
