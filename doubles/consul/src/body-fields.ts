import { badRequest } from './errors.js';

/**
 * Reads request bodies the way Consul decodes them: keys match case-insensitively and snake_case
 * equals CamelCase (`deregister_critical_service_after` = `DeregisterCriticalServiceAfter`).
 * Every accessor checks the type, so nothing untyped leaves this module.
 */
export class Fields {
  private readonly byKey = new Map<string, unknown>();

  constructor(
    source: unknown,
    private readonly where: string,
  ) {
    if (source === undefined || source === null) return;
    if (typeof source !== 'object' || Array.isArray(source)) {
      throw badRequest(`Request decode failed: ${where} must be an object`);
    }
    for (const [key, value] of Object.entries(source)) this.byKey.set(normalize(key), value);
  }

  static parseJson(text: string, where: string): Fields {
    if (text.trim() === '') return new Fields(undefined, where);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw badRequest(`Request decode failed: ${(error as Error).message}`);
    }
    return new Fields(parsed, where);
  }

  has(key: string): boolean {
    const value = this.byKey.get(normalize(key));
    return value !== undefined && value !== null;
  }

  raw(key: string): unknown {
    return this.byKey.get(normalize(key));
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.wrongType(key, 'a string');
    return value;
  }

  number(key: string): number | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.wrongType(key, 'a number');
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.wrongType(key, 'a boolean');
    return value;
  }

  stringList(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw this.wrongType(key, 'a list of strings');
    }
    return value as string[];
  }

  stringMap(key: string): Record<string, string> | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.wrongType(key, 'a map');
    const out: Record<string, string> = {};
    for (const [name, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw this.wrongType(`${key}.${name}`, 'a string');
      out[name] = item;
    }
    return out;
  }

  object(key: string): Fields | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    return new Fields(value, `${this.where}.${key}`);
  }

  objectList(key: string): Fields[] | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw this.wrongType(key, 'a list');
    return value.map((item, i) => new Fields(item, `${this.where}.${key}[${i}]`));
  }

  /** The whole object as plain JSON, for fields the double stores but does not interpret. */
  plain(key: string): unknown {
    return this.raw(key) ?? undefined;
  }

  private wrongType(key: string, expected: string) {
    return badRequest(`Request decode failed: ${this.where}.${key} must be ${expected}`);
  }
}

function normalize(key: string): string {
  return key.replace(/_/g, '').toLowerCase();
}
