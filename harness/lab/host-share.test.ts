import test from 'ava';
import { defaultJobs, vcpusPerGuest } from './host-share.ts';

const GiB = 2n ** 30n;

test('one guest per core, as many as 2 GiB of free memory each allows, never none', (t) => {
  t.is(defaultJobs({ cores: 2, freeBytes: 24n * GiB }), 2);
  t.is(defaultJobs({ cores: 16, freeBytes: 9n * GiB }), 4);
  t.is(defaultJobs({ cores: 8, freeBytes: 1n * GiB }), 1);
  t.is(defaultJobs({ cores: 1, freeBytes: 64n * GiB }), 1);
});

test('guests never get more vCPUs together than the host has cores, each at least one and at most two', (t) => {
  const host = (cores: number) => ({ cores, freeBytes: 64n * GiB });
  t.is(vcpusPerGuest(host(2), 1), 2);
  t.is(vcpusPerGuest(host(2), 2), 1);
  t.is(vcpusPerGuest(host(1), 1), 1);
  t.is(vcpusPerGuest(host(2), 3), 1, 'overcommitted jobs still get one vCPU each');
  t.is(vcpusPerGuest(host(16), 4), 2);
  t.is(vcpusPerGuest(host(6), 4), 1);
});
