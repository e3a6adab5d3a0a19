/**
 * `npm run schemas:register [-- --dir <folder>]`: registers every schema in schemas/ (or --dir)
 * with BACKWARD compatibility; exits non-zero naming the subject on an incompatible change.
 */
import { fileURLToPath } from 'node:url';
import { registerSchemas, type RegisteredSchema } from '../lib/avro/register-schemas.js';
import { loadEventSchemas } from '../lib/avro/schema-catalog.js';
import { connectionConfig } from '../lib/env.js';

export async function registerAllSchemas(
  url: string = connectionConfig().schemaRegistryUrl,
  dir?: string,
): Promise<RegisteredSchema[]> {
  return registerSchemas(url, loadEventSchemas(dir).values());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--dir');
  registerAllSchemas(undefined, i > 0 ? process.argv[i + 1] : undefined).then(
    (rows) => rows.forEach((r) => console.log(`[schemas] ${r.subject} -> id ${r.id}`)),
    (err: Error) => {
      console.error(`[schemas] ${err.message}`);
      process.exit(1);
    },
  );
}
