import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../infra/observability',
);

export interface Expression {
  /** Where it comes from, for messages: file and panel or alert. */
  origin: string;
  expr: string;
}

const dashboardSchema = z.object({
  uid: z.string(),
  title: z.string(),
  panels: z.array(
    z.object({
      title: z.string(),
      targets: z.array(z.object({ expr: z.string().min(1) })).min(1),
    }),
  ),
});

const rulesSchema = z.object({
  groups: z
    .array(
      z.object({
        name: z.string(),
        rules: z
          .array(
            z.object({
              alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
              expr: z.string().min(1),
              for: z
                .string()
                .regex(/^\d+[smh]$/)
                .optional(),
              labels: z.object({ severity: z.enum(['page', 'ticket']) }),
              annotations: z.object({ summary: z.string(), description: z.string() }),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

export async function dashboardExpressions(): Promise<Expression[]> {
  const dir = path.join(root, 'grafana/dashboards');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json'));
  const out: Expression[] = [];
  for (const file of files) {
    const dashboard = dashboardSchema.parse(
      JSON.parse(await readFile(path.join(dir, file), 'utf8')),
    );
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        out.push({ origin: `${file} "${panel.title}"`, expr: target.expr });
      }
    }
  }
  return out;
}

export async function ruleExpressions(): Promise<Expression[]> {
  const text = await readFile(path.join(root, 'prometheus/alerts.yml'), 'utf8');
  const rules = rulesSchema.parse(parse(text));
  return rules.groups.flatMap((group) =>
    group.rules.map((rule) => ({ origin: `alerts.yml ${rule.alert}`, expr: rule.expr })),
  );
}

/** Grafana template variables are replaced by a value, as Grafana does before querying. */
export function withoutVariables(expr: string): string {
  return expr.replace(/\$\{?\w+\}?/g, '.*');
}
