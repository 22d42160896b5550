import { z } from 'zod';

/** One entry of GET /v1/health/service/:name (only the fields flowstack reads). */
export const healthEntrySchema = z.object({
  Node: z.object({ Node: z.string(), Address: z.string() }),
  Service: z.object({
    ID: z.string(),
    Service: z.string(),
    Address: z.string().default(''),
    Port: z.number().int(),
    Tags: z.array(z.string()).nullable().default([]),
    Meta: z.record(z.string(), z.string()).nullable().default({}),
  }),
  Checks: z
    .array(z.object({ CheckID: z.string(), Status: z.string(), ServiceID: z.string() }))
    .default([]),
});

export const healthEntriesSchema = z.array(healthEntrySchema);

/** One item of GET /v1/kv/:key?recurse, after the npm client decoded Value from base64. */
export const kvItemSchema = z.object({
  Key: z.string(),
  Value: z.string().nullable(),
  ModifyIndex: z.number().int(),
});

export const kvItemsSchema = z.array(kvItemSchema);

/** A service instance as flowstack uses it: where to connect, and what it is. */
export interface ServiceInstance {
  id: string;
  service: string;
  host: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  node: string;
}

export function toInstance(entry: z.output<typeof healthEntrySchema>): ServiceInstance {
  return {
    id: entry.Service.ID,
    service: entry.Service.Service,
    // An empty service address means "the node's address" (Consul's rule, also used by DNS).
    host: entry.Service.Address === '' ? entry.Node.Address : entry.Service.Address,
    port: entry.Service.Port,
    tags: entry.Service.Tags ?? [],
    meta: entry.Service.Meta ?? {},
    node: entry.Node.Node,
  };
}
