import test from 'ava';
import { parseLcovInfo, percent, totalOf } from './lcov-info.ts';

const TREE = '/cache/source-builds/abc/linux';
const info = `TN:
SF:${TREE}/drivers/dax/bus.c
FN:10,create_store
FNDA:3,create_store
FNF:40
FNH:31
DA:10,3
DA:11,0
BRDA:11,0,0,1
BRDA:11,0,1,-
BRF:300
BRH:170
LF:900
LH:812
end_of_record
SF:/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h
LF:4
LH:4
end_of_record
SF:${TREE}/include/linux/list.h
LF:10
LH:5
end_of_record
SF:${TREE}/drivers/dax/kmem.c
LF:200
LH:150
BRF:80
BRH:40
FNF:8
FNH:7
end_of_record
SF:${TREE}/include/linux/list.h
LF:10
LH:7
end_of_record
`;

test('per tree file, relative, in path order; system headers dropped; a file seen twice adds up', (t) => {
  const files = parseLcovInfo(info, TREE);
  t.deepEqual(files.map((f) => f.file), ['drivers/dax/bus.c', 'drivers/dax/kmem.c', 'include/linux/list.h']);
  t.deepEqual(files[0], { file: 'drivers/dax/bus.c', lines: { found: 900, hit: 812 }, branches: { found: 300, hit: 170 }, functions: { found: 40, hit: 31 } });
  t.deepEqual(files[2]!.lines, { found: 20, hit: 12 });
});

test('percent has one decimal and is null for nothing to cover', (t) => {
  t.is(percent({ found: 900, hit: 812 }), 90.2);
  t.is(percent({ found: 0, hit: 0 }), null);
});

test('totals add every file', (t) => {
  const total = totalOf(parseLcovInfo(info, `${TREE}/`));
  t.deepEqual(total.lines, { found: 1120, hit: 974 });
  t.deepEqual(total.branches, { found: 380, hit: 210 });
});
