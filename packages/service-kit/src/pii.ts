import type { CommonConfig } from '@flowstack/config';
import {
  createEnvelopeSealer,
  createLocalSealer,
  createPlaintextSealer,
  createTransitSealer,
  rewrapSealed,
  type PiiSealer,
  type VaultClient,
} from '@flowstack/vault';

/** How the customer's e-mail is sealed: Transit (direct or envelope), else a local key, else marked plaintext. */
export function choosePiiSealer(config: CommonConfig, vault: VaultClient | undefined): PiiSealer {
  if (vault !== undefined) {
    const transit = vault.transit(config.TRANSIT_KEY, config.TRANSIT_MOUNT);
    return config.TRANSIT_MODE === 'envelope'
      ? createEnvelopeSealer(transit)
      : createTransitSealer(transit);
  }
  return config.PII_LOCAL_KEY === undefined
    ? createPlaintextSealer()
    : createLocalSealer(config.PII_LOCAL_KEY);
}

/** Stored sealed e-mails to the newest version of TRANSIT_KEY, without a plaintext in sight. */
export interface PiiRewrapper {
  /** `<mount>/<key>` */
  readonly key: string;
  latestVersion(): Promise<number>;
  /** Direct (`vault:vN:`) and envelope values alike, in input order. */
  rewrap(sealed: string[]): Promise<string[]>;
}

export function createPiiRewrapper(config: CommonConfig, vault: VaultClient): PiiRewrapper {
  const transit = vault.transit(config.TRANSIT_KEY, config.TRANSIT_MOUNT);
  return {
    key: `${config.TRANSIT_MOUNT}/${config.TRANSIT_KEY}`,
    latestVersion: () => transit.latestVersion(),
    rewrap: (sealed) => rewrapSealed(transit, sealed),
  };
}
