/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type LookupQueryVariables = Exact<{
  locality: string;
  matter: string;
  asOf?: string | null | undefined;
}>;


export type LookupQuery = { lookup: { explanation: string, answeredBy: { slug: string, name: string } | null, sections: Array<{ key: string, heading: string }>, trail: Array<{ covered: boolean, reason: string, tenant: { slug: string } }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const LookupDocument = new TypedDocumentString(`
    query Lookup($locality: String!, $matter: String!, $asOf: Date) {
  lookup(locality: $locality, matter: $matter, asOf: $asOf) {
    answeredBy {
      slug
      name
    }
    sections {
      key
      heading
    }
    trail {
      tenant {
        slug
      }
      covered
      reason
    }
    explanation
  }
}
    `) as unknown as TypedDocumentString<LookupQuery, LookupQueryVariables>;