import base from '@flowstack/eslint-config';

// The templates are linted where they land: in the scaffolded service (test/template-copy.test.ts).
export default [{ ignores: ['templates/**'] }, ...base];
