/**
 * A parser for Traefik v3 router rules: matchers (Host, Path, PathPrefix, Header, ...) combined
 * with &&, ||, ! and parentheses. Traefik v3 takes one value per matcher (v2's
 * Host(`a`, `b`) is an error), so the arity is checked too.
 */
export type RuleNode =
  | { kind: 'matcher'; name: string; args: string[] }
  | { kind: 'not'; operand: RuleNode }
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode };

export class TraefikRuleError extends Error {
  constructor(rule: string, position: number, message: string) {
    super(`${message} at position ${position} in ${rule}`);
    this.name = 'TraefikRuleError';
  }
}

const ARITY: Record<string, number[]> = {
  Host: [1],
  HostRegexp: [1],
  Path: [1],
  PathPrefix: [1],
  PathRegexp: [1],
  Method: [1],
  Header: [2],
  HeaderRegexp: [2],
  Query: [1, 2],
  QueryRegexp: [1, 2],
  ClientIP: [1],
};

type Token =
  | { type: 'name' | 'string'; value: string; at: number }
  | { type: '(' | ')' | ',' | '&&' | '||' | '!' | 'end'; at: number };

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')' || c === ',' || c === '!') {
      tokens.push({ type: c, at: i });
      i += 1;
    } else if (rule.startsWith('&&', i) || rule.startsWith('||', i)) {
      tokens.push({ type: rule.slice(i, i + 2) as '&&' | '||', at: i });
      i += 2;
    } else if (c === '`' || c === '"') {
      const end = rule.indexOf(c, i + 1);
      if (end === -1) throw new TraefikRuleError(rule, i, 'unterminated string');
      tokens.push({ type: 'string', value: rule.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      const name = /^[A-Za-z][A-Za-z0-9]*/.exec(rule.slice(i))![0];
      tokens.push({ type: 'name', value: name, at: i });
      i += name.length;
    } else {
      throw new TraefikRuleError(rule, i, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ type: 'end', at: rule.length });
  return tokens;
}

export function parseTraefikRule(rule: string): RuleNode {
  const tokens = tokenize(rule);
  let index = 0;
  const peek = () => tokens[index]!;
  const expect = (type: Token['type']): Token => {
    const token = peek();
    if (token.type !== type) {
      throw new TraefikRuleError(rule, token.at, `expected ${type}, found ${token.type}`);
    }
    index += 1;
    return token;
  };

  const parseOr = (): RuleNode => {
    let left = parseAnd();
    while (peek().type === '||') {
      index += 1;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): RuleNode => {
    let left = parseUnary();
    while (peek().type === '&&') {
      index += 1;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): RuleNode => {
    if (peek().type === '!') {
      index += 1;
      return { kind: 'not', operand: parseUnary() };
    }
    if (peek().type === '(') {
      index += 1;
      const inner = parseOr();
      expect(')');
      return inner;
    }
    const nameToken = expect('name') as { value: string; at: number };
    const arity = ARITY[nameToken.value];
    if (!arity) {
      throw new TraefikRuleError(rule, nameToken.at, `unknown matcher ${nameToken.value}`);
    }
    expect('(');
    const args: string[] = [];
    if (peek().type !== ')') {
      args.push((expect('string') as { value: string }).value);
      while (peek().type === ',') {
        index += 1;
        args.push((expect('string') as { value: string }).value);
      }
    }
    expect(')');
    if (!arity.includes(args.length)) {
      throw new TraefikRuleError(
        rule,
        nameToken.at,
        `${nameToken.value} takes ${arity.join(' or ')} argument(s) in Traefik v3, got ${args.length}`,
      );
    }
    return { kind: 'matcher', name: nameToken.value, args };
  };

  const tree = parseOr();
  expect('end');
  return tree;
}
