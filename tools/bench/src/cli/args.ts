import { parseArgs } from 'node:util';
import { AppError } from '@flowstack/errors';
import { SCENARIOS, type ScenarioName } from '../load/scenarios.js';

export interface LoadtestArgs {
  target: string | undefined;
  scenario: ScenarioName;
  durationSeconds: number;
  connections: number;
  rate: number | undefined;
  /** postgres://user:password@host:port/db to check stored orders; 'none' polls the api. */
  pg: string | undefined;
  json: boolean;
  /** The stack the run starts (and the database it checks) has no Vault and no Consul. */
  noVault: boolean;
}

export const LOADTEST_USAGE = `usage: npm run loadtest -- [options]
  --target URL        base URL of the api (default: the local stack, started if nothing answers on :3000)
  --scenario NAME     read | write | mixed (default mixed)
  --duration SECONDS  length of the run (default 10)
  --connections N     concurrent connections (default 10)
  --rate N            open model: N requests per second in total (default: as fast as possible)
  --pg URL|none       where to check stored orders (default: the local database for the local
                      stack, else none = poll GET /v1/orders/:id)
  --no-vault          the local stack without Vault and Consul (static credentials); default:
                      as npm run dev runs it (Vault and Consul doubles, JWT login, leased users,
                      Transit, Consul discovery and live config)
  --json              print the result as JSON on stdout`;

export function parseLoadtestArgs(argv: readonly string[]): LoadtestArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        target: { type: 'string' },
        scenario: { type: 'string', default: 'mixed' },
        duration: { type: 'string', default: '10' },
        connections: { type: 'string', default: '10' },
        rate: { type: 'string' },
        pg: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-vault': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw AppError.usage(error instanceof Error ? error.message : String(error));
  }
  const scenario = values.scenario;
  if (!(SCENARIOS as readonly string[]).includes(scenario)) {
    throw AppError.usage(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  }
  if (values.target !== undefined) {
    try {
      new URL(values.target);
    } catch {
      throw AppError.usage(`--target is not a URL: ${values.target}`);
    }
  }
  return {
    target: values.target,
    scenario: scenario as ScenarioName,
    durationSeconds: positive(values.duration, '--duration'),
    connections: positive(values.connections, '--connections'),
    rate: values.rate === undefined ? undefined : positive(values.rate, '--rate'),
    pg: values.pg,
    json: values.json,
    noVault: values['no-vault'],
  };
}

function positive(raw: string, flag: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw AppError.usage(`${flag} must be a positive number`);
  }
  return value;
}

/** postgres://user[:password]@host[:port]/database */
export function parsePostgresUrl(raw: string): {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
} {
  const url = new URL(raw);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw AppError.usage('--pg must be a postgres:// URL or none');
  }
  return {
    host: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
    user: decodeURIComponent(url.username) || 'postgres',
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
  };
}
