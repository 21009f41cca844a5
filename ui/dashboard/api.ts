// The dashboard's calls to the sync server: JSON in and out, errors as the
// server words them ({ error: { code, message, field } }).
import type { ErrorBody } from '../src/bindings/ErrorBody';
import type { ErrorCode } from '../src/bindings/ErrorCode';
import { locale, type Lang } from '../src/lib/i18n.svelte';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: ErrorCode,
    message: string,
    public field: string | null,
  ) {
    super(message);
  }
}

/** Called when the session has ended (401): the page shows the sign-in. */
export const session = { onUnauthorized: () => {} };

export async function call<T>(path: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const headers = new Headers(init?.headers);
  let body = init?.body;
  if (init?.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const r = await fetch(path, { credentials: 'same-origin', ...init, headers, body });
  if (r.status === 401) session.onUnauthorized();
  if (!r.ok) {
    const e = ((await r.json().catch(() => null)) as ErrorBody | null)?.error;
    throw new ApiError(r.status, e?.code ?? 'server', e?.message ?? r.statusText, e?.field ?? null);
  }
  const type = r.headers.get('content-type') ?? '';
  return (type.includes('json') ? r.json() : r.text()) as Promise<T>;
}

export const get = <T>(path: string) => call<T>(path);
export const post = <T>(path: string, json: unknown) => call<T>(path, { method: 'POST', json });

/**
 * For a view whose filters change faster than the server answers: each call
 * supersedes the ones before it, and only the latest answer (or error) is
 * delivered, so an older answer never overwrites a newer filter's.
 */
export function latestOnly() {
  let n = 0;
  return <T>(p: Promise<T>, apply: (v: T) => void, fail: (e: unknown) => void) => {
    const mine = ++n;
    p.then(
      (v) => mine === n && apply(v),
      (e) => mine === n && fail(e),
    );
  };
}

/** A query string of the non-empty values. */
export function query(params: Record<string, string | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Formats a Unix-ms time for the current language. */
export function when(ms: number | null | undefined, lang: Lang): string {
  return ms ? new Date(ms).toLocaleString(locale(lang)) : '—';
}

/** A CSV file (UTF-8 with BOM, CRLF, for Excel) of a header and rows, downloaded. */
export function downloadCsv(name: string, header: string[], rows: (string | number)[][]) {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n;]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
  };
  const text = '\uFEFF' + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
