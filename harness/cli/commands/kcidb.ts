import { kcidbReport } from '../../report/kcidb.ts';
import { SubmitFailed, SubmitRefused, submitKcidb } from '../../report/kcidb-submit.ts';
import { mergeByKernel, readResults } from '../../report/load.ts';
import { readUserFile } from '../../util/user-file.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { say } from '../say.ts';

/** https, or plain http to this machine only (a local KCIDB or a test server). */
function endpoint(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url ${value}: not a URL; give the KCIDB REST endpoint, e.g. https://db.kernelci.org/`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new UsageError(`--url ${value}: use https (plain http only to this machine); the token must not cross a network in clear`);
  if (url.username || url.password) throw new UsageError(`--url ${value}: put no credentials in the URL; give the token with --token-file`);
  return url;
}

export const kcidb: Command = {
  summary: 'submit results to KernelCI (KCIDB I/O v5.3 through kcidb-ng\'s REST API)',
  usage: 'submit <results.json>… --url URL --token-file F',
  help: `  --url URL        the KCIDB REST endpoint, e.g. https://db.kernelci.org/ (staging: https://staging.db.kernelci.org/)
  --token-file F   a file holding the submitter's JWT (sent as Authorization: Bearer)

Known kernel bugs go as KCIDB issues, each case that hit one as an incident. Transient failures (no
connection, 429, 5xx) are retried with backoff; every id is stable, so a resend is harmless. Exit 0 when
submitted, 2 for bad input or a token the server refuses, 3 when the server keeps failing.`,
  async run(args) {
    const { values, positionals } = parseFlags('kcidb', args, { url: { type: 'string' }, 'token-file': { type: 'string' } }, true);
    const [sub, ...files] = positionals;
    if (sub !== 'submit') throw new UsageError(`kcidb: ${sub === undefined ? 'give a subcommand' : `unknown subcommand '${sub}'`}; the only one is 'submit'`);
    if (files.length === 0) throw new UsageError('kcidb submit: give the results.json files');
    if (!values.url) throw new UsageError('kcidb submit: --url is needed (e.g. https://db.kernelci.org/)');
    if (!values['token-file']) throw new UsageError('kcidb submit: --token-file is needed (a file holding the JWT)');
    const url = endpoint(values.url);
    const token = readUserFile('--token-file', values['token-file'], 'a file holding one JWT', 64 << 10).trim();
    if (!/^[A-Za-z0-9._~+/=-]+$/.test(token)) throw new UsageError(`--token-file ${values['token-file']}: ${token ? 'holds more than one token-like word' : 'is empty'}; put the JWT alone in it`);
    const runs = mergeByKernel(await Promise.all(files.map(readResults)));
    const doc = kcidbReport(runs);
    try {
      const out = await submitKcidb(url, token, JSON.stringify(doc), { log: say });
      console.log(`submitted ${doc.tests.length} tests of ${runs.length} kernel(s) as ${out.id}${out.attempts > 1 ? ` (attempt ${out.attempts})` : ''}`);
      return EXIT.ok;
    } catch (err) {
      if (err instanceof SubmitRefused) throw new UsageError(err.message);
      if (err instanceof SubmitFailed) {
        say(err.message);
        return EXIT.error;
      }
      throw err;
    }
  },
};
