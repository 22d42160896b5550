import { BootstrapError } from './bootstrap-error.js';
import type { BootstrapOptions } from './bootstrap-options.js';

type StepOutcome = 'created' | 'unchanged';

/**
 * The orders exchange belongs to the bootstrap (RabbitMQ's administrator), not to the services:
 * declaring an exchange needs configure on it, and configure is also what `exchange.delete`
 * checks (deps/rabbit/src/rabbit_channel.erl), so a service allowed to declare it could delete it
 * and turn the api's confirmed publishes into silently dropped ones. The services check it
 * passively (`ORDERS_EXCHANGE_DECLARE=false`), which needs no permission at all.
 *
 * Declared through the management API (`PUT /api/exchanges/<vhost>/<name>`), which answers 201
 * when it created the exchange and 204 when an equivalent one was there.
 */
export async function ensureOrdersExchange(
  rabbitmq: NonNullable<BootstrapOptions['rabbitmq']>,
  vhost: string,
  exchange: string,
): Promise<StepOutcome> {
  const url = new URL(
    `api/exchanges/${encodeURIComponent(vhost)}/${encodeURIComponent(exchange)}`,
    rabbitmq.managementUrl.endsWith('/') ? rabbitmq.managementUrl : `${rabbitmq.managementUrl}/`,
  );
  const authorization = `Basic ${Buffer.from(`${rabbitmq.username}:${rabbitmq.password}`).toString('base64')}`;
  const current = await fetch(url, { headers: { authorization } });
  if (current.ok) {
    const found = (await current.json()) as { type?: unknown; durable?: unknown };
    if (found.type !== 'topic' || found.durable !== true) {
      throw new BootstrapError(
        `RabbitMQ exchange ${exchange} exists as type ${String(found.type)}, durable ${String(found.durable)}; flowstack needs a durable topic exchange`,
      );
    }
    return 'unchanged';
  }
  if (current.status !== 404) {
    throw new BootstrapError(`RabbitMQ management GET exchange ${exchange}: ${current.status}`);
  }
  const created = await fetch(url, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'topic', durable: true, auto_delete: false, internal: false }),
  });
  if (created.status !== 201 && created.status !== 204) {
    throw new BootstrapError(
      `RabbitMQ management PUT exchange ${exchange}: ${created.status} ${await created.text()}`,
    );
  }
  return 'created';
}
