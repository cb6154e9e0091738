import test from 'ava';
import { compareDeviceNames, parseDeviceName } from './device-name.ts';

test('device names sort naturally, and only canonical daxR.N names parse', (t) => {
  t.deepEqual(['dax1.0', 'dax0.10', 'dax0.2', 'dax10.0', 'dax0.0'].sort(compareDeviceNames), ['dax0.0', 'dax0.2', 'dax0.10', 'dax1.0', 'dax10.0']);
  t.deepEqual(parseDeviceName('dax12.3'), [12, 3]);
  for (const bad of ['dax01.0', 'dax0.-1', 'dax0', 'dax-1.0', 'xdax0.0', 'dax0.0 ']) t.is(parseDeviceName(bad), null, bad);
});
