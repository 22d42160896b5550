/**
 * The provider's demo people (local-only passwords). `operators` is the group Vault maps to the
 * admin policy (an external identity group aliased to the OIDC mount).
 */
export interface DemoPerson {
  username: string;
  password: string;
  name: string;
  email: string;
  groups: string[];
}

export const DEMO_PEOPLE = {
  operator: {
    username: 'ada',
    password: 'ada-oidc-local-only',
    name: 'Ada Lovelace',
    email: 'ada@flowstack.local',
    groups: ['operators'],
  },
  developer: {
    username: 'grace',
    password: 'grace-oidc-local-only',
    name: 'Grace Hopper',
    email: 'grace@flowstack.local',
    groups: ['developers'],
  },
} as const satisfies Record<string, DemoPerson>;

export function findPerson(username: string): DemoPerson | undefined {
  return Object.values(DEMO_PEOPLE).find((p) => p.username === username);
}
