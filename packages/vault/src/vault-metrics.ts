import { Counter, Gauge, type Registry } from 'prom-client';

type ExpiryProvider = () => Date | undefined;
const providersByRegistry = new WeakMap<Registry, Map<string, ExpiryProvider>>();

/** What the Vault client reports: time left on each secret, and what it did to keep them. */
export interface VaultMetrics {
  /** Seconds until the token expires (0 = logged out; -1 = no expiry, e.g. root). */
  tokenSecondsLeft: Gauge;
  /** Seconds until each managed lease or certificate expires, by `secret` (its name). */
  secondsLeft: Gauge<'secret'>;
  renewals: Counter<'secret'>;
  rotations: Counter<'secret'>;
  logins: Counter<'method'>;
  failures: Counter<'operation'>;
  /** Reports `secret`'s seconds left at every scrape; returns the function that stops it. */
  trackExpiry(secret: string, expiresAt: ExpiryProvider): () => void;
  /** Same for the token. */
  trackTokenExpiry(expiresAt: ExpiryProvider | undefined): void;
}

/**
 * Registers the metrics on the process's registry. Safe to call twice on the same registry
 * (two clients in one test process share the series).
 */
export function createVaultMetrics(registry: Registry): VaultMetrics {
  const existing = <T>(name: string): T | undefined =>
    registry.getSingleMetric(name) as T | undefined;
  const registers = [registry];
  let providers = providersByRegistry.get(registry);
  if (providers === undefined) {
    providers = new Map();
    providersByRegistry.set(registry, providers);
  }
  const tracked = providers;
  const secondsUntil = (date: Date | undefined) =>
    date === undefined ? -1 : Math.max(0, Math.round((date.getTime() - Date.now()) / 1000));
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    existing<Counter<L>>(name) ?? new Counter({ name, help, labelNames, registers });
  const tokenSecondsLeft =
    existing<Gauge>('flowstack_vault_token_seconds_left') ??
    new Gauge({
      name: 'flowstack_vault_token_seconds_left',
      help: 'Seconds until the Vault token expires (-1: it does not expire).',
      registers,
      collect() {
        const provider = tracked.get('\u0000token');
        if (provider !== undefined) this.set(secondsUntil(provider()));
      },
    });
  const secondsLeft =
    existing<Gauge<'secret'>>('flowstack_vault_secret_seconds_left') ??
    new Gauge({
      name: 'flowstack_vault_secret_seconds_left',
      help: 'Seconds until a managed lease or certificate expires.',
      labelNames: ['secret'],
      registers,
      collect() {
        this.reset();
        for (const [secret, provider] of tracked) {
          if (secret !== '\u0000token') this.set({ secret }, secondsUntil(provider()));
        }
      },
    });
  return {
    tokenSecondsLeft,
    secondsLeft,
    trackExpiry(secret, expiresAt) {
      tracked.set(secret, expiresAt);
      return () => {
        if (tracked.get(secret) === expiresAt) tracked.delete(secret);
      };
    },
    trackTokenExpiry(expiresAt) {
      if (expiresAt === undefined) tracked.delete('\u0000token');
      else tracked.set('\u0000token', expiresAt);
    },
    renewals: counter(
      'flowstack_vault_renewals_total',
      'Successful renewals (token, leases, certificates).',
      ['secret'],
    ),
    rotations: counter(
      'flowstack_vault_rotations_total',
      'New secrets fetched to replace ones that could not be renewed further.',
      ['secret'],
    ),
    logins: counter('flowstack_vault_logins_total', 'Successful logins, by auth method.', [
      'method',
    ]),
    failures: counter('flowstack_vault_failures_total', 'Failed Vault operations, by operation.', [
      'operation',
    ]),
  };
}
