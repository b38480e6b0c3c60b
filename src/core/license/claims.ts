import * as z from 'zod';
import { AUDIENCE } from './model.ts';

/**
 * The claims a vendor signs into a license (the JWT payload), as
 * schemas/license-claims.json publishes them. Each error message is the
 * one a refused license shows. Unknown claims and entitlements are kept:
 * a newer vendor tool may add some, and they are shown, never fatal.
 */

const named = (claim: string, what: string) => {
  const error = `the license has no '${claim}' claim (${what})`;
  return z.string({ error }).min(1, { error });
};

const seconds = (claim: string) => z.number({ error: `the license has no valid '${claim}' claim (a time in seconds)` });

const graceError = "the license's grace period ('grace_days') is not a number of days";

export const licensePayload = z
  .looseObject({
    iss: named('iss', 'issuer').describe('The vendor that issued the license.'),
    sub: named('sub', 'customer').describe('The customer the license is for.'),
    jti: z.string().optional().catch(undefined).describe("The license's own id, when the vendor gives one."),
    iat: seconds('iat').describe('When it was issued, in seconds since 1970.'),
    nbf: seconds('nbf').optional().describe('Not valid before this time, in seconds since 1970.'),
    exp: seconds('exp').describe('When it expires, in seconds since 1970.'),
    grace_days: z
      .number({ error: graceError })
      .min(0, { error: graceError })
      .default(0)
      .describe('Days it keeps working after it expires.'),
    entitlements: z.looseObject(
      {
        capabilities: z.array(z.string(), { error: 'the license entitlements have capabilities that are not a list of names' }).optional(),
        limits: z
          .record(z.string(), z.unknown(), { error: 'the license entitlements have limits that are not a set of named numbers' })
          .optional(),
      },
      { error: "the license has no 'entitlements' claim" },
    ),
  })
  .describe(`The claims of an MpegFlow license (a signed JWT); 'aud' must be or include '${AUDIENCE}'.`);
