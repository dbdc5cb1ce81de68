// Where the real API Gateway events are: the shared/ folder beside the repository (CI clones it
// there too), else the machine's /work/shared; JWTGATE_FIXTURES overrides.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const beside = resolve(import.meta.dirname, '../../../../shared/fixtures/apigw');

export const FIXTURES = process.env.JWTGATE_FIXTURES
  ?? [beside, '/work/shared/fixtures/apigw'].find((dir) => existsSync(dir))
  ?? beside;
