import { createManualAddressSource, type ServiceAddress } from '@flowstack/credentials';
import { describe, expect, it } from 'vitest';
import { BrokerNodes } from './broker-nodes.js';

const a = { host: 'rabbit-a', port: 5672 };
const b = { host: 'rabbit-b', port: 5672 };
const c = { host: 'rabbit-c', port: 5673 };

describe('BrokerNodes', () => {
  it('when attempts fail, then every node is tried in turn and only a full round counts for backoff', () => {
    const nodes = BrokerNodes.from({ host: 'unused', port: 1, nodes: [a, b, c] });
    const tried: ServiceAddress[] = [];
    const rounds: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      tried.push(nodes.current());
      rounds.push(nodes.failed());
    }
    expect(tried).toEqual([a, b, c, a, b, c]);
    expect(rounds).toEqual([0, 0, 1, 0, 0, 2]);
  });

  it('when a connection succeeds after failures, then the round count starts again', () => {
    const nodes = BrokerNodes.from({ host: 'unused', port: 1, nodes: [a, b] });
    nodes.failed();
    nodes.failed();
    expect(nodes.current()).toEqual(a);
    nodes.connected();
    nodes.failed();
    expect(nodes.failed()).toBe(1);
  });

  it('when the connection to a node is lost, then the next attempt goes to the next node', () => {
    const nodes = BrokerNodes.from({ host: 'unused', port: 1, nodes: [a, b, c] });
    nodes.failed();
    expect(nodes.current()).toEqual(b);
    nodes.connected();
    nodes.lost();
    expect(nodes.current()).toEqual(c);
    nodes.lost();
    expect(nodes.current()).toEqual(a);
  });

  it('when no node list is given, then host and port are the one node and each failure is a round', () => {
    const nodes = BrokerNodes.from({ host: 'rabbit', port: 5999, nodes: [] });
    expect(nodes.all()).toEqual([{ host: 'rabbit', port: 5999 }]);
    expect(nodes.failed()).toBe(1);
    expect(nodes.failed()).toBe(2);
    expect(nodes.current()).toEqual({ host: 'rabbit', port: 5999 });
  });

  it('when an address source lists candidates, then they are the nodes; without, its current address is', () => {
    const plain = createManualAddressSource(a);
    expect(BrokerNodes.from({ host: 'x', port: 1, nodes: [c], address: plain }).all()).toEqual([a]);
    const clustered = { ...plain, candidates: () => [a, b] };
    const nodes = BrokerNodes.from({ host: 'x', port: 1, address: clustered });
    expect(nodes.includes(b)).toBe(true);
    expect(nodes.includes(c)).toBe(false);
    nodes.failed();
    expect(nodes.current()).toEqual(b);
  });
});
