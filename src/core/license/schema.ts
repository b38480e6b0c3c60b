import type { AreaSchema } from '../store/migration.ts';

export const licenseSchema: AreaSchema = {
  area: 'license',
  migrations: [
    {
      version: 1,
      description: 'installed license, trusted issuer keys, clock high-water mark',
      sql: `
          CREATE TABLE license_installed (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            token TEXT NOT NULL,
            kid TEXT NOT NULL,
            jti TEXT,
            installed_at TEXT NOT NULL
          );
          CREATE TABLE license_trusted_keys (
            kid TEXT PRIMARY KEY,
            alg TEXT NOT NULL,
            jwk TEXT NOT NULL,
            source TEXT NOT NULL,
            added_at TEXT NOT NULL
          );
          CREATE TABLE license_clock (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            high_water TEXT NOT NULL
          );
        `,
    },
  ],
};
