// A finding's repro.sh needs nothing of the harness: run through plain `daxh exec` (sh reading the script
// on stdin in a provisioned guest), it reproduces on a kernel the bug is in and not on one it is not.
// Here the misaligned mapping, on Debian 6.12 (affected) and 6.1 (not); npm run test:tree runs every
// stock-kernel finding, with the fixed 7.3 tree as the unaffected kernel where no Debian series is.
import test from 'ava';
import { runScript } from './repro-scripts.ts';

test.serial('repro.sh of the misaligned mapping reproduces on 6.12 and not on 6.1', async (t) => {
  const affected = await runScript('mapping-misaligned-length-succeeds', ['--debian-kernel', '6.12']);
  t.is(affected.exit, 1, affected.all);
  t.regex(affected.line, /^REPRODUCED: mapping .* \(1 MiB\) on dax\d+\.\d+ returned success and allocated nothing/);
  const fixed = await runScript('mapping-misaligned-length-succeeds', ['--debian-kernel', '6.1']);
  t.is(fixed.exit, 0, fixed.all);
  t.regex(fixed.line, /^NOT REPRODUCED: .*ENXIO, as intended/);
});
