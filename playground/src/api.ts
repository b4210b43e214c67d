// GraphQL over HTTP for the page: a tiny fetch executor over the generated TypedDocumentNode documents, so every
// request and answer is typed by codegen and no client library ships to the browser.
import { print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { loadToken, saveToken } from './token.ts';

/** A request that failed as a whole: the network, an HTTP status, or GraphQL errors (not typed union results). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiOptions {
  token?: string | null;
  signal?: AbortSignal;
}

/** Same-origin endpoint, read from the page (the server may mount GraphQL elsewhere). */
export function endpoint(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="ipfrs-graphql"]')?.content || '/graphql';
}

// yoga's CSRF prevention wants this on "simple" requests; sending it always costs nothing and keeps GET/SSE working.
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

const printed = new WeakMap<DocumentNode, { query: string; operationName: string | undefined }>();

/** The document's text and operation name, printed once per document. */
export function sourceOf(document: DocumentNode): { query: string; operationName: string | undefined } {
  let source = printed.get(document);
  if (!source) {
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    source = { query: print(document), operationName: operation?.name?.value };
    printed.set(document, source);
  }
  return source;
}

export function headers(accept: string, token?: string | null): Record<string, string> {
  const out: Record<string, string> = { 'content-type': 'application/json', accept, [CSRF_HEADER]: 'playground' };
  // The token typed into the page (this tab only) goes with every request: a private server needs it for reads.
  const bearer = token || loadToken();
  if (bearer) out.authorization = `Bearer ${bearer}`;
  return out;
}

let asking: Promise<boolean> | null = null;

/**
 * A private server (`ipfrs serve --private`) answered 401: ask for a token once (concurrent requests share the
 * question), keep it for this tab. True when one was given, so the request is worth sending again.
 */
export function askForToken(message: string): Promise<boolean> {
  asking ??= Promise.resolve().then(() => {
    const typed = window.prompt(`${message}\n\nPaste a token with the read scope (ipfrs token create --scope read):`)?.trim() ?? '';
    if (typed) saveToken(typed);
    asking = null;
    return typed !== '';
  });
  return asking;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string }>;
}

export async function request<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  options: ApiOptions = {},
  asked = false,
): Promise<TResult> {
  let response: Response;
  try {
    response = await fetch(endpoint(), {
      method: 'POST',
      headers: headers('application/graphql-response+json, application/json', options.token),
      body: JSON.stringify({ ...sourceOf(document), variables }),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
    throw new ApiError('The server cannot be reached. Is `ipfrs serve` running?');
  }
  const text = await response.text();
  let body: GraphQLResponse<TResult> | null = null;
  try {
    body = JSON.parse(text) as GraphQLResponse<TResult>;
  } catch {
    // Not JSON (a proxy page, an empty body): the status says the rest.
  }
  if (response.status === 401 && !asked && (await askForToken(body?.errors?.[0]?.message ?? 'This server is private.'))) {
    return request(document, variables, options, true);
  }
  if (body?.errors?.length) {
    throw new ApiError(body.errors.map((e) => e.message).join('; '), response.status);
  }
  if (!response.ok || !body?.data) {
    throw new ApiError(`The server answered ${response.status} ${response.statusText || ''}`.trim(), response.status);
  }
  return body.data;
}

/** Messages for people: an abort is silent (a newer request replaced it), anything else says what happened. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export function isAbort(error: unknown): boolean {
  return (error as Error)?.name === 'AbortError';
}
