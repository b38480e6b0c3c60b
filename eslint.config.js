import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'oclif.manifest.json', 'release/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
        Headers: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // dependency-cruiser reads its rules as CommonJS
    files: ['.dependency-cruiser.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
  {
    // a test waits for the state it needs (polling with a deadline) or moves the store's clock
    // (test/support/backends.ts, test/support/store-clock.ts), not a second or more of the wall clock
    files: ['test/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          // sleep(1000), delay(1_500), setTimeout(2000) from node:timers/promises; a race against one is a deadline, not a wait
          "CallExpression[callee.name=/^(sleep|delay|wait|setTimeout)$/][arguments.0.value>=1000]:not(CallExpression[callee.property.name='race'] > ArrayExpression > CallExpression)",
          // new Promise((resolve) => setTimeout(resolve, 1000))
          "CallExpression[callee.name='setTimeout'][arguments.0.type='Identifier'][arguments.1.value>=1000]",
        ].map((selector) => ({
          selector,
          message:
            'a test sleeps a second or more: wait for the state it needs (poll with a deadline), or move the store clock (test/support/store-clock.ts)',
        })),
      ],
    },
  },
  {
    // the core returns results; only commands and src/ui write to the terminal
    files: ['src/core/**'],
    rules: { 'no-console': 'error' },
  },
);
