// Type-checked rules for the gateway and the chaincode; each package lints with its own tsconfig.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'eslint.config.mjs', 'jest.config.js', 'jest.faults.config.js', 'chaincode/jest.config.js'] },
  { ignores: ['prisma/engine/**'] }, // plain-JS Prisma schema-engine stand-in, outside every tsconfig (see its header)
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      complexity: ['warn', 12],
    },
  },
);
