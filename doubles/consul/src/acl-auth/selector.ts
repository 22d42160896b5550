import { badRequest } from '../errors.js';

/**
 * The part of go-bexpr that binding rule selectors use against a login's fields
 * (`value.<mapped claim>` strings, `list.<mapped list claim>`): `==`, `!=`, `in`, `not in`,
 * `is empty`, `is not empty`, `and`, `or`, `not`, parentheses. Consul evaluates a rule's
 * selector on the identity's SelectableFields (`agent/consul/acl.go`, `evaluateRoleBindings`);
 * for JWT those hold only the claims the token has (`authmethod/ssoauth/sso.go`,
 * `identityFromClaims`).
 */
export interface SelectorFields {
  value: Record<string, string>;
  list: Record<string, string[]>;
}

type Tok = { t: 'str' | 'word' | 'op' | 'lp' | 'rp'; v: string };

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest.startsWith('==') || rest.startsWith('!=')) {
      out.push({ t: 'op', v: rest.slice(0, 2) });
      i += 2;
    } else if (rest[0] === '(' || rest[0] === ')') {
      out.push({ t: rest[0] === '(' ? 'lp' : 'rp', v: rest[0] });
      i += 1;
    } else if (rest[0] === '"' || rest[0] === '`') {
      const quote = rest[0];
      const end = rest.indexOf(quote, 1);
      if (end === -1) throw badRequest(`invalid Selector: unterminated string in ${text}`);
      out.push({ t: 'str', v: rest.slice(1, end) });
      i += end + 1;
    } else {
      const word = /^[A-Za-z0-9_.\-/]+/.exec(rest);
      if (!word) throw badRequest(`invalid Selector: unexpected "${rest[0] ?? ''}" in ${text}`);
      out.push({ t: 'word', v: word[0] });
      i += word[0].length;
    }
  }
  return out;
}

type Node =
  | { k: 'and' | 'or'; a: Node; b: Node }
  | { k: 'not'; a: Node }
  | { k: 'cmp'; path: string; op: '==' | '!='; value: string }
  | { k: 'in'; value: string; path: string; negate: boolean }
  | { k: 'empty'; path: string; negate: boolean };

export function parseSelector(text: string): Node | undefined {
  if (text.trim() === '') return undefined;
  const toks = lex(text);
  let i = 0;
  const peek = () => toks[i];
  const word = (v: string) => peek()?.t === 'word' && peek()?.v === v;
  const fail = (): never => {
    throw badRequest(`invalid Selector: ${text}`);
  };
  const parseOr = (): Node => {
    let left = parseAnd();
    while (word('or')) {
      i += 1;
      left = { k: 'or', a: left, b: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    while (word('and')) {
      i += 1;
      left = { k: 'and', a: left, b: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Node => {
    if (word('not')) {
      i += 1;
      return { k: 'not', a: parseUnary() };
    }
    if (peek()?.t === 'lp') {
      i += 1;
      const inner = parseOr();
      if (peek()?.t !== 'rp') fail();
      i += 1;
      return inner;
    }
    const first = toks[i++] ?? fail();
    if (first.t === 'str') {
      let negate = false;
      if (word('not')) {
        negate = true;
        i += 1;
      }
      if (!word('in')) fail();
      i += 1;
      const path = toks[i++] ?? fail();
      if (path.t !== 'word') fail();
      return { k: 'in', value: first.v, path: path.v, negate };
    }
    if (first.t !== 'word') return fail();
    if (word('is')) {
      i += 1;
      let negate = false;
      if (word('not')) {
        negate = true;
        i += 1;
      }
      if (!word('empty')) fail();
      i += 1;
      return { k: 'empty', path: first.v, negate };
    }
    const op = toks[i++] ?? fail();
    if (op.t !== 'op') fail();
    const value = toks[i++] ?? fail();
    if (value.t !== 'str' && value.t !== 'word') fail();
    return { k: 'cmp', path: first.v, op: op.v as '==' | '!=', value: value.v };
  };
  const tree = parseOr();
  if (i !== toks.length) fail();
  return tree;
}

function resolve(path: string, fields: SelectorFields): unknown {
  if (path === 'value') return fields.value;
  if (path === 'list') return fields.list;
  const [root, ...rest] = path.split('.');
  const key = rest.join('.');
  if (root === 'value') return Object.hasOwn(fields.value, key) ? fields.value[key] : undefined;
  if (root === 'list') return Object.hasOwn(fields.list, key) ? fields.list[key] : undefined;
  throw badRequest(`invalid Selector: unknown field ${path}`);
}

function evaluate(node: Node, fields: SelectorFields): boolean {
  switch (node.k) {
    case 'and':
      return evaluate(node.a, fields) && evaluate(node.b, fields);
    case 'or':
      return evaluate(node.a, fields) || evaluate(node.b, fields);
    case 'not':
      return !evaluate(node.a, fields);
    case 'cmp': {
      const value = resolve(node.path, fields);
      const equal = value === node.value;
      return node.op === '==' ? equal : !equal;
    }
    case 'in': {
      const target = resolve(node.path, fields);
      const found = Array.isArray(target)
        ? target.includes(node.value)
        : target !== null && typeof target === 'object'
          ? Object.hasOwn(target, node.value)
          : typeof target === 'string' && target.includes(node.value);
      return node.negate ? !found : found;
    }
    case 'empty': {
      const target = resolve(node.path, fields);
      const empty =
        target === undefined ||
        target === '' ||
        (Array.isArray(target) && target.length === 0) ||
        (typeof target === 'object' && target !== null && Object.keys(target).length === 0);
      return node.negate ? !empty : empty;
    }
  }
}

/** True when the selector (empty = match all) matches the login's fields. */
export function selectorMatches(selector: string, fields: SelectorFields): boolean {
  const tree = parseSelector(selector);
  return tree === undefined || evaluate(tree, fields);
}
