import type { AreaSchema } from '../store/migration.ts';

export const healthSchema: AreaSchema = {
  area: 'health',
  migrations: [
    {
      version: 1,
      description: 'health samples for capacity forecasts',
      sql: `
          CREATE TABLE health_samples (
            id INTEGER PRIMARY KEY,
            endpoint TEXT NOT NULL,
            ts TEXT NOT NULL,
            status TEXT NOT NULL,
            drives_total INTEGER NOT NULL,
            drives_online INTEGER NOT NULL,
            drives_healing INTEGER NOT NULL,
            raw_bytes INTEGER NOT NULL,
            raw_used_bytes INTEGER NOT NULL,
            usable_bytes INTEGER NOT NULL,
            usable_used_bytes INTEGER NOT NULL
          );
          CREATE INDEX health_samples_endpoint_ts ON health_samples (endpoint, ts);
        `,
    },
  ],
};
