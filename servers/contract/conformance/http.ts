/** Plain `fetch` calls of the contract's HTTP routes, as a client this project did not write makes them. */
import { expect } from 'vitest';
import { ERRORS, type ErrorCode } from '../index.ts';

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** The answer's `Content-Type` header, `''` when it had none. */
  readonly contentType: string;
}

/** The server's answer as a failure message quotes it: status, Content-Type and the start of the body. */
export function quoted(answer: Answer): string {
  const body = JSON.stringify(answer.body);
  return `${answer.status} (${answer.contentType || 'no Content-Type'}) ${body.length > 300 ? `${body.slice(0, 300)}…` : body}`;
}

/** Whether a Content-Type is JSON's, parameters such as `charset=utf-8` allowed. */
export function isJsonType(contentType: string): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType);
}

/** Calls a route and parses its JSON answer; an answer that is not JSON fails, quoting it. */
export async function call(url: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url + path, init);
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body, contentType: res.headers.get('content-type') ?? '' };
}

/** POSTs a raw body to a room. `contentType: null` sends no Content-Type header at all. */
export function post(
  url: string,
  room: string,
  body: string,
  contentType: string | null = 'application/json',
  headers: Record<string, string> = {},
): Promise<Answer> {
  const type: Record<string, string> = contentType === null ? {} : { 'content-type': contentType };
  return call(url, `/rooms/${room}/messages`, { method: 'POST', headers: { ...type, ...headers }, body });
}

/** Asserts the contract's error answer: the code's status and `{ error: { code, message } }`. */
export function expectError(answer: Answer, code: ErrorCode, what = ''): void {
  const error = answer.body.error as { code?: unknown; message?: unknown } | undefined;
  const said = quoted(answer);
  expect(answer.status, `${what} should be answered ${ERRORS[code].status} ${code}, was ${said}`).toBe(ERRORS[code].status);
  expect(error?.code, `${what} should carry { error: { code: "${code}" } }, was ${said}`).toBe(code);
  expect(String(error?.message ?? '').length, `${what}: error.message should say what was wrong, was ${said}`).toBeGreaterThan(10);
  expect(isJsonType(answer.contentType), `${what}: an error answer is JSON, Content-Type application/json, was ${said}`).toBe(true);
}
