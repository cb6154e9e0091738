import test from 'ava';
import { cFunction } from './c-source.ts';

const bus = `/* SPDX */
static ssize_t mapping_store(struct device *dev, struct device_attribute *attr,
		const char *buf, size_t len)
{
	int rc;

	rc = -ENXIO;
	return rc == 0 ? len : rc;
}
static DEVICE_ATTR_WO(mapping);

static void
unregister_dev_dax(void *dev)
{
	device_del(dev);
}
int other(void);
`;

test('a function from its definition to the closing brace, with line numbers, in both kernel styles', (t) => {
  const m = cFunction(bus, 'mapping_store')!;
  t.deepEqual([m.first, m.last], [2, 9]);
  t.regex(m.text, /^    2  static ssize_t mapping_store\(/);
  t.regex(m.text, /    9  }$/);
  const u = cFunction(bus, 'unregister_dev_dax')!;
  t.deepEqual([u.first, u.last], [12, 16], 'the return type on the line above is part of it');
  t.is(cFunction(bus, 'other'), undefined, 'a prototype is not a definition');
  t.is(cFunction(bus, 'DEVICE_ATTR_WO'), undefined);
  t.is(cFunction(bus, 'nosuch'), undefined);
});
