export { default } from '@flowstack/eslint-config';
