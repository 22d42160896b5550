import { parse } from '@cdktf/hcl2json';
import { JobSpecError } from './errors.js';

export type HclDocument = Record<string, unknown>;

/**
 * Parses HCL with HashiCorp's own parser (hcl2json, Go compiled to WASM). Blocks come back as
 * lists, labelled blocks as `{ label: [body] }`, and expressions other than literals as `${...}`.
 */
export async function parseHcl(file: string, text: string): Promise<HclDocument> {
  let document: unknown;
  try {
    document = await parse(file, text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new JobSpecError(file, `HCL does not parse: ${detail.trim()}`, { cause: error });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new JobSpecError(file, 'HCL parsed to something other than a body');
  }
  return document as HclDocument;
}
