import * as z from 'zod';

export const RETENTION_MODES = ['governance', 'compliance'] as const;

/**
 * A routing rule as it is stored and shown (`route show --json`): the
 * schemas are the types (model.ts infers them) and the check a stored rule
 * passes when it is read back, so a damaged row is reported, not used.
 * Rules are made from flags by validate.ts, which checks what only the
 * configuration knows (endpoints, presets, templates).
 */

export const sourceScope = z
  .strictObject({
    alias: z.string(),
    bucket: z.string().nullable(),
    prefix: z.string().describe("Without leading or trailing slashes; '' for the whole bucket."),
  })
  .describe("Where a rule's sources live: a whole endpoint, a bucket, or a folder (prefix) in it.");

export const routeMatch = z.strictObject({
  customer: z.string().nullable(),
  class: z.string().nullable(),
  source: sourceScope.nullable(),
});

export const retentionSpec = z
  .strictObject({ retain: z.string().nullable(), mode: z.enum(RETENTION_MODES), legalHold: z.boolean() })
  .describe('S3 Object Lock settings for stored outputs; `retain` null means a legal hold only.');

export const routeTarget = z
  .strictObject({
    preset: z.string(),
    to: z.string(),
    retained: z
      .boolean()
      .describe("Whether the rule's retention applies to this target (archive presets; every target when the rule has none)."),
  })
  .describe('One encode a rule asks for: a preset and where its outputs go (a destination template).');

export const routeInput = z.strictObject({
  name: z.string(),
  match: routeMatch,
  targets: z.array(routeTarget).min(1),
  priority: z.number().int(),
  retention: retentionSpec.nullable(),
});

export const route = routeInput.extend({ createdAt: z.string(), updatedAt: z.string() });
