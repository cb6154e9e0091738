// npm run test:tree: tests on a real, built kernel tree (a cached fixture; its first build takes ~35 min).
export default {
  files: ['suites/tree/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 1,
  timeout: '90m',
  verbose: true,
};
