/**
 * Just enough PromQL to check a dashboard or an alert rule: a tokenizer, balanced brackets, known
 * functions and keywords, and the metric names an expression reads. Not a full parser.
 */

const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count_over_time',
  'day_of_month',
  'day_of_week',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_quantile',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log2',
  'log10',
  'max_over_time',
  'min_over_time',
  'minute',
  'month',
  'predict_linear',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev_over_time',
  'sum_over_time',
  'time',
  'timestamp',
  'vector',
  'year',
]);
const AGGREGATIONS = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const BINARY_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset']);

export type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'punct'; text: string }
  | { kind: 'op'; text: string };

export class PromqlError extends Error {}

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const rest = expr.slice(i);
    const space = /^\s+/.exec(rest);
    if (space !== null) {
      i += space[0].length;
      continue;
    }
    const char = expr[i]!;
    if (char === '"' || char === "'" || char === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== char) j += expr[j] === '\\' && char !== '`' ? 2 : 1;
      if (j >= expr.length) throw new PromqlError(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', text: expr.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    const number = /^(\d+(\.\d+)?([eE][+-]?\d+)?(ms|s|m|h|d|w|y)?)+/.exec(rest);
    if (number !== null) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(rest);
    if (ident !== null) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = /^(==|!=|=~|!~|>=|<=|[-+*/%^<>=])/.exec(rest);
    if (op !== null) {
      tokens.push({ kind: 'op', text: op[0] });
      i += op[0].length;
      continue;
    }
    if ('(){}[],'.includes(char)) {
      tokens.push({ kind: 'punct', text: char });
      i += 1;
      continue;
    }
    throw new PromqlError(`unexpected character ${JSON.stringify(char)} at ${i}`);
  }
  return tokens;
}

/** Throws a PromqlError when the expression does not hold together; returns the metric names. */
export function metricNames(expr: string): string[] {
  const tokens = tokenize(expr);
  if (tokens.length === 0) throw new PromqlError('empty expression');
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  const stack: string[] = [];
  const names = new Set<string>();
  let skipGroupList = false;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    const next = tokens[index + 1];
    const inside = stack[stack.length - 1];
    if (token.kind === 'punct') {
      if ('({['.includes(token.text)) {
        stack.push(token.text);
      } else if (token.text in pairs) {
        if (stack.pop() !== pairs[token.text]) throw new PromqlError(`unbalanced ${token.text}`);
        if (token.text === ')') skipGroupList = false;
      }
      continue;
    }
    if (token.kind !== 'ident') continue;
    if (inside === '{') {
      // A label matcher: name, operator, string.
      const value = tokens[index + 2];
      if (next?.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(next.text)) {
        throw new PromqlError(`label ${token.text} without a matcher`);
      }
      if (value?.kind !== 'string') throw new PromqlError(`label ${token.text} without a value`);
      index += 2;
      continue;
    }
    if (skipGroupList || inside === '[') continue;
    if (GROUPING.has(token.text)) {
      if (next?.text !== '(') throw new PromqlError(`${token.text} without a label list`);
      skipGroupList = true;
      continue;
    }
    if (BINARY_KEYWORDS.has(token.text)) continue;
    if (next?.text === '(') {
      if (!FUNCTIONS.has(token.text) && !AGGREGATIONS.has(token.text)) {
        throw new PromqlError(`unknown function ${token.text}`);
      }
      continue;
    }
    if (AGGREGATIONS.has(token.text) && (next?.text === 'by' || next?.text === 'without')) continue;
    names.add(token.text);
  }
  if (stack.length > 0) throw new PromqlError(`unclosed ${stack.join('')}`);
  return [...names];
}

/** Every series name a /metrics page offers, histograms expanded to _bucket, _sum and _count. */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (match === null) continue;
    const [, name, type] = match as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram' || type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  return names;
}
