// Guest suites: each boots real QEMU guests. Serial by file keeps memory and CPU inside a 2-core machine.
export default {
  files: ['suites/**/*.test.ts', '!suites/**/*.unit.test.ts', '!suites/tree/**'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 1,
  timeout: '20m',
  verbose: true,
};
