import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string): string => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  // `import … from 'sntk'` (examples, tutorials, doc examples) resolves to the sources, as in tsconfig.json's paths.
  resolve: {
    alias: [
      { find: /^sntk$/, replacement: src('index.ts') },
      { find: /^sntk\/linalg$/, replacement: src('linalg/public.ts') },
      { find: /^sntk\/(operators|io|train|report)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
  },
});
