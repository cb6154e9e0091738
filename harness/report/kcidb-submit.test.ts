// `daxh kcidb submit` against a local HTTP server that plays kcidb-ng's /submit: it checks the bearer token
// and validates every body with KCIDB's published v5.3 schema, and can fail the first requests the way a
// loaded server does. The CLI runs as a process, as a user runs it.
import test from 'ava';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp as mkdtempP, rm as rmP, writeFile as writeFileP } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { RESULTS_SCHEMA } from './results.ts';

const schema = JSON.parse(readFileSync(new URL('./kcidb/v05_03.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ strict: true, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(schema);
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJvcmlnaW4iOiJkYXhfaGFybmVzcyJ9.c2lnbmF0dXJl';

interface Server {
  url: string;
  requests: { auth: string | undefined; valid: boolean; errors: string }[];
  close(): Promise<void>;
}

/** A /submit that fails the first `transient` requests with 503, then answers as kcidb-ng does. */
async function kcidbServer(transient = 0): Promise<Server> {
  const requests: Server['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const doc = JSON.parse(body);
      const valid = validate(doc) as boolean;
      requests.push({ auth: req.headers.authorization, valid, errors: ajv.errorsText(validate.errors) });
      const send = (code: number, o: object) => res.writeHead(code, { 'content-type': 'text/plain' }).end(JSON.stringify(o));
      if (req.url !== '/submit' || req.method !== 'POST') return send(404, { id: '0', status: 'error', message: 'no route' });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { id: '0', status: 'error', message: 'Missing or invalid JWT (Bearer)' });
      if (requests.length <= transient) return send(503, { id: '0', status: 'error', message: 'spool busy' });
      if (!valid) return send(400, { id: '0', status: 'error', message: 'schema' });
      send(200, { id: 'abc123', status: 'ok', message: `Received submission abc123 with size ${body.length} bytes` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

async function fixtures(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtempP(join(tmpdir(), 'daxh-kcidb-'));
  t.teardown(() => rmP(dir, { recursive: true, force: true }));
  const results = join(dir, 'results.json');
  await writeFileP(results, JSON.stringify({ schema: RESULTS_SCHEMA, kernel: '7.3.4+deb13-amd64', image: 'i', accel: 'tcg', seed: 1, startedAt: '2026-12-07T12:00:00.000Z', durationMs: 1, guests: { boots: 1, restores: 0 }, totals: { passed: 1, failed: 0, known: 1, skipped: 0, interrupted: 0 }, checks: 2, cases: [{ suite: 's', topology: 'hmem', name: 'a', status: 'passed', checks: 1, durationMs: 1 }, { suite: 's', topology: 'hmem', name: 'b', status: 'known', checks: 1, durationMs: 1, known: [{ id: 'mapping-misaligned-length-succeeds', reason: 'r', step: 'x' }] }] }));
  const token = join(dir, 'token');
  await writeFileP(token, `${TOKEN}\n`);
  return { dir, results, token };
}

const daxh = (args: string[]) => execa('node', ['bin/daxh.js', 'kcidb', 'submit', ...args], { reject: false, stdin: 'ignore' });

test('submits a document the v5.3 schema accepts, with the bearer token; a transient 503 is retried', async (t) => {
  const f = await fixtures(t);
  const server = await kcidbServer(1);
  t.teardown(() => server.close());
  const r = await daxh([f.results, '--url', server.url, '--token-file', f.token]);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^submitted 2 tests of 1 kernel\(s\) as abc123 \(attempt 2\)$/);
  t.is(server.requests.length, 2, 'one retry, then no more');
  t.true(server.requests.every((q) => q.valid), server.requests.map((q) => q.errors).join('; '));
  t.true(server.requests.every((q) => q.auth === `Bearer ${TOKEN}`));
});

test('the error paths: a bad URL, plain http to another host, a missing or empty token file, a refused token, a server that keeps failing', async (t) => {
  const f = await fixtures(t);
  const server = await kcidbServer(99);
  t.teardown(() => server.close());
  const bad = async (args: string[], exit: number, message: RegExp) => {
    const r = await daxh(args);
    t.is(r.exitCode, exit, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr.trim().split('\n').at(-1)!, message);
  };
  await bad([f.results, '--url', 'not a url', '--token-file', f.token], 2, /--url not a url: not a URL/);
  await bad([f.results, '--url', 'http://db.example.org/', '--token-file', f.token], 2, /use https \(plain http only to this machine\)/);
  await bad([f.results, '--url', server.url, '--token-file', join(f.dir, 'nope')], 2, /--token-file .*nope: no such file/);
  await writeFileP(join(f.dir, 'empty'), '\n');
  await bad([f.results, '--url', server.url, '--token-file', join(f.dir, 'empty')], 2, /--token-file .*empty: is empty/);
  await writeFileP(join(f.dir, 'wrong'), 'not-the-token\n');
  await bad([f.results, '--url', server.url, '--token-file', join(f.dir, 'wrong')], 2, /refused the token \(401: Missing or invalid JWT \(Bearer\)\)/);
  const before = server.requests.length;
  await bad([f.results, '--url', server.url, '--token-file', f.token], 3, /no success in 4 attempts \(last: 503: spool busy\)/);
  t.is(server.requests.length - before, 4);
  // A port nothing listens on: taken and let go again.
  const gone = createServer();
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
  const port = (gone.address() as { port: number }).port;
  await new Promise((r) => gone.close(r));
  await bad([f.results, '--url', `http://127.0.0.1:${port}/`, '--token-file', f.token], 3, /no success in 4 attempts \(last: no connection \(ECONNREFUSED\)\)/);
});
