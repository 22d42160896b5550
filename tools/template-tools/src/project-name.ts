import { builtinModules } from 'node:module';
import { TemplateError } from './template-error.js';

/** Names npm refuses as package names, besides Node's built-in modules. */
const RESERVED = new Set(['node_modules', 'favicon.ico', 'npm', 'node', 'test']);

/** The spellings one name takes across code, Prometheus, PostgreSQL and environment variables. */
export interface NameForms {
  /** my-shop: package scope, service names, Vault and Consul names, queues, keys. */
  dashed: string;
  /** my_shop: metric names and PostgreSQL roles, where a dash is not allowed. */
  snake: string;
  /** myShop: inside identifiers (myShopBacklog). */
  camel: string;
  /** MyShop. */
  pascal: string;
  /** MY_SHOP: environment variables. */
  upper: string;
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export function nameForms(name: string): NameForms {
  const words = name.split('-');
  return {
    dashed: name,
    snake: words.join('_'),
    camel: words.map((word, i) => (i === 0 ? word : capitalize(word))).join(''),
    pascal: words.map(capitalize).join(''),
    upper: words.join('_').toUpperCase(),
  };
}

/**
 * Throws a TemplateError saying what is wrong. Dashes only between words (no leading, trailing or
 * double dash): otherwise the snake and camel forms could not be turned back into the name.
 */
export function assertValidName(name: string, what = 'name'): void {
  const refuse = (reason: string) => {
    throw new TemplateError(`invalid ${what} "${name}": ${reason}`);
  };
  if (name.length === 0) refuse('it is empty');
  if (name.length > 50) refuse('longer than 50 characters');
  if (!/^[a-z]/.test(name)) refuse('it must start with a lowercase letter');
  if (!/^[a-z0-9-]+$/.test(name)) refuse('only lowercase letters, digits and dashes are allowed');
  if (name.endsWith('-') || name.includes('--')) {
    refuse('dashes may only separate words (no trailing or double dash)');
  }
  if (RESERVED.has(name) || builtinModules.includes(name)) {
    refuse('it is a reserved npm or Node.js module name');
  }
}
