import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real browsers, servers and databases: give them room, but never a speed target (those live in bench/).
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more workers only queue up behind Chromium and PostgreSQL.
    maxWorkers: 2,
  },
});
