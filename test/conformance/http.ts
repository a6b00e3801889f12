/** Plain `fetch` calls of the contract's HTTP routes, as a client this project did not write makes them. */
import { expect } from 'vitest';
import { ERRORS, type ErrorCode } from '../../servers/contract/index.ts';

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
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
  return { status: res.status, body };
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
  const said = `${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`;
  expect(answer.status, `${what} should be answered ${ERRORS[code].status} ${code}, was ${said}`).toBe(ERRORS[code].status);
  expect(error?.code, `${what} should carry { error: { code: "${code}" } }, was ${said}`).toBe(code);
  expect(String(error?.message ?? '').length, `${what}: the error should say what was wrong in its message, was ${said}`).toBeGreaterThan(10);
}
