import base from '@flowstack/eslint-config';

// k6/ is plain JavaScript for the k6 runtime (its own modules and globals); a test parses it.
export default [{ ignores: ['k6/**', 'results/**'] }, ...base];
