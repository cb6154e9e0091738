// Submission to KernelCI's KCIDB through kcidb-ng's REST API: POST <url>/submit with the KCIDB JSON as the
// body and `Authorization: Bearer <JWT>` (kcidb-ng kcidb-restd-rs). A 200 means the submission is spooled,
// `{"id": …, "status": "ok"}`. The server does not deduplicate, but ingestion is keyed by object id and
// every id here is stable, so a resend changes nothing; still, only failures where the server certainly did
// not keep the body are retried: no connection, 429, and the 5xx a spool or proxy failure gives.

export interface SubmitOutcome {
  id: string;
  attempts: number;
}

/** The server said no in a way the user must fix (a token it refuses). */
export class SubmitRefused extends Error {}
/** The server refused the document itself, or kept failing: not the user's to fix. */
export class SubmitFailed extends Error {}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/** What a kcidb-ng answer body says, whatever its Content-Type (it sends JSON as text/plain). */
function answer(body: string): { id?: string; status?: string; message?: string } {
  try {
    return JSON.parse(body) as { id?: string; status?: string; message?: string };
  } catch {
    return { message: body.trim().slice(0, 300) };
  }
}

/** Whether the request never reached the server: refused, unreachable, reset before any answer. */
const notConnected = (err: unknown): boolean => /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET/.test(String((err as { cause?: unknown }).cause ?? err));

export async function submitKcidb(endpoint: URL, token: string, body: string, opts: { attempts?: number; backoffMs?: number; log?: (line: string) => void } = {}): Promise<SubmitOutcome> {
  const attempts = opts.attempts ?? 4;
  const url = new URL('submit', endpoint.href.endsWith('/') ? endpoint : new URL(`${endpoint.href}/`));
  let last = '';
  for (let n = 1; n <= attempts; n++) {
    if (n > 1) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 1000) * 2 ** (n - 2)));
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(120_000) });
    } catch (err) {
      if (!notConnected(err)) throw new SubmitFailed(`${url.origin}: ${String((err as { cause?: unknown }).cause ?? err)}; not retried, the server may have kept it (resending is safe: KCIDB ids are stable)`);
      last = `no connection (${String((err as { cause?: { code?: string } }).cause?.code ?? err)})`;
      opts.log?.(`submit attempt ${n}: ${last}`);
      continue;
    }
    const a = answer(await res.text());
    if (res.ok && a.status === 'ok' && a.id) return { id: a.id, attempts: n };
    if (res.status === 401 || res.status === 403) throw new SubmitRefused(`${url.origin} refused the token (${res.status}: ${a.message ?? 'no message'}); give a valid KCIDB JWT with --token-file`);
    if (!RETRY_STATUS.has(res.status)) throw new SubmitFailed(`${url.origin} refused the submission (${res.status}: ${a.message ?? 'no message'})`);
    last = `${res.status}: ${a.message ?? 'no message'}`;
    opts.log?.(`submit attempt ${n}: ${last}`);
  }
  throw new SubmitFailed(`${url.origin}: no success in ${attempts} attempts (last: ${last})`);
}
