import { describe, expect, it } from 'vitest';
import { assertValidName, nameForms } from './project-name.js';
import { TemplateError } from './template-error.js';

describe('assertValidName', () => {
  it.each([
    ['Shop', 'lowercase letter'],
    ['1shop', 'lowercase letter'],
    ['my_shop', 'only lowercase letters, digits and dashes'],
    ['my-', 'dashes may only separate words'],
    ['my--shop', 'dashes may only separate words'],
    ['http', 'reserved'],
    ['node_modules', 'lowercase letters'],
    ['', 'empty'],
  ])('when the name is "%s", then it is refused saying why (%s)', (name, reason) => {
    expect(() => assertValidName(name)).toThrow(TemplateError);
    expect(() => assertValidName(name)).toThrow(reason);
  });

  it('when the name is lowercase words with dashes, then it is accepted', () => {
    expect(() => assertValidName('acme-shop2')).not.toThrow();
  });
});

describe('nameForms', () => {
  it('when the name has dashes, then each spelling joins the words its own way', () => {
    expect(nameForms('acme-shop')).toEqual({
      dashed: 'acme-shop',
      snake: 'acme_shop',
      camel: 'acmeShop',
      pascal: 'AcmeShop',
      upper: 'ACME_SHOP',
    });
  });
});
