// Unit tests: pure logic only (model, parsers, topology, arg building). No guest, no QEMU.
export default {
  files: ['harness/**/*.test.ts', 'qemu/**/*.test.ts', 'images/**/*.test.ts', 'suites/**/*.unit.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  timeout: '2m',
};
