// A small typed client of the Compact Registry: each request goes first as its document's SHA-256 alone
// (an automatic persisted query); only when the registry does not know it yet is the document sent too.
import type { TypedDocumentString } from './gql/graphql.js';

export const GRAPHQL_RESPONSE = 'application/graphql-response+json';

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

interface Answer<T> {
  data?: T | null;
  errors?: GraphQLError[];
}

/** An error the registry answered with: its message is meant for a person, its code for a program. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** How the last request travelled: as its hash alone, or with its document as well. */
export type Sent = 'hash' | 'document';

export class Registry {
  lastSent: Sent = 'hash';

  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  async execute<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult> {
    const query = document.toString();
    const persistedQuery = { version: 1, sha256Hash: await sha256(query) };
    this.lastSent = 'hash';
    let answer = await this.post<TResult>({ variables, extensions: { persistedQuery } });
    if (answer.errors?.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')) {
      this.lastSent = 'document';
      answer = await this.post<TResult>({ query, variables, extensions: { persistedQuery } });
    }
    const first = answer.errors?.[0];
    if (first !== undefined) {
      throw new RegistryError(first.message, first.extensions?.code ?? 'INTERNAL');
    }
    if (answer.data == null) {
      throw new RegistryError('The registry answered without data.', 'INTERNAL');
    }
    return answer.data;
  }

  private async post<T>(body: object): Promise<Answer<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE };
    if (this.token !== undefined) {
      headers['authorization'] = `Bearer ${this.token}`;
    }
    const response = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body) });
    return (await response.json()) as Answer<T>;
  }
}

/** The SHA-256 of the document exactly as sent, in hexadecimal: the hash the registry checks it against. */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
