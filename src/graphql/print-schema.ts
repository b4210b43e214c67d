// `npm run schema`: writes schema/schema.graphql from the code. Loads no native addon (services are not needed).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaSDL } from './sdl.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));

writeFileSync(SCHEMA_FILE, schemaSDL());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
