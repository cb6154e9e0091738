import test from 'ava';
import { apply } from './apply.ts';
import { KNOWN_DIVERGENCES, lookupDivergence } from './divergences.ts';
import { fail, ok } from './ops.ts';
import { GiB, MiB, R61, R612, devRef, hmem, mappingValue, must, pmem, regionRef, stateFor, w } from './testing/fixtures.ts';

const B = 4n * GiB;
const region = hmem({ start: B, size: 2n * GiB, initial: 'empty', kmemDefault: false });
const base = must(stateFor([region]), w(regionRef(region, 'create'), '1'));
const misaligned = w(devRef('dax0.1', 'mapping'), mappingValue(B, MiB));

test('misaligned mapping length: the model predicts the intended ENXIO, 6.9+ is known to succeed', (t) => {
  const entry = KNOWN_DIVERGENCES.find((k) => k.id === 'mapping-misaligned-length-succeeds')!;
  t.deepEqual(apply(base, misaligned).result, entry.intended);
  t.is(lookupDivergence(R612, misaligned, base, ok()), entry);
  t.is(lookupDivergence('6.9.0', misaligned, base, ok()), entry);
  t.is(lookupDivergence('6.8.12', misaligned, base, ok()), undefined, 'before the regression');
  t.is(lookupDivergence(R61, misaligned, base, ok()), undefined);
  t.is(lookupDivergence(R612, misaligned, base, fail('EINVAL')), undefined, 'a different wrong result is not this bug');
  t.is(entry.actualNext, undefined, 'nothing is allocated either way');
});

test('only misaligned-length mapping writes match', (t) => {
  const aligned = w(devRef('dax0.1', 'mapping'), mappingValue(B, 2n * MiB));
  t.is(lookupDivergence(R612, aligned, base, ok()), undefined);
  t.is(lookupDivergence(R612, w(devRef('dax0.1', 'mapping'), 'garbage'), base, ok()), undefined);
  t.is(lookupDivergence(R612, w(devRef('dax0.1', 'mapping'), ''), base, ok()), undefined, 'an empty write never reaches the handler');
  t.is(lookupDivergence(R612, w(devRef('dax0.1', 'size'), `${MiB}`), base, ok()), undefined);
  t.is(lookupDivergence(R612, w(devRef('dax9.9', 'mapping'), mappingValue(B, MiB)), base, ok()), undefined);
  const stat = pmem({ id: 3, start: 12n * GiB, size: 512n * MiB });
  t.is(lookupDivergence(R612, w(devRef('dax3.0', 'mapping'), mappingValue(12n * GiB, MiB)), stateFor([stat]), ok()), undefined, 'static devices have no mapping file');
  const align1g = must(base, w(devRef('dax0.1', 'align'), `${GiB}`));
  t.truthy(lookupDivergence(R612, w(devRef('dax0.1', 'mapping'), mappingValue(B, 512n * MiB)), align1g, ok()), 'granularity follows the device align');
});
