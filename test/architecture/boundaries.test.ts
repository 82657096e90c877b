import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

/** The house rules of docs/architecture.md, as the project's ESLint config enforces them in CI. */
const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${PROJECT_ROOT}/${file}` });
  return result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['src/hosts/immich/x.ts', "import { Engine } from '../../service/engine.js';"],
    ['src/hosts/folder/x.ts', "import { recognise } from '../../recognition/recognise.js';"],
    ['src/perception/x.ts', "import { loadConfig } from '../config/load.js';"],
    ['src/perception/image/x.ts', "import { ImmichClient } from '../../hosts/immich/client.js';"],
    ['src/perception/x.ts', "import { readFile } from 'node:fs/promises';"],
    ['src/recognition/x.ts', "import { Store } from '../store/store.js';"],
    ['src/recognition/baselines/x.ts', "import { decodeImage } from '../../perception/image/decode.js';"],
    ['src/recognition/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/recognition/x.ts', "import Database from 'better-sqlite3';"],
    ['src/store/x.ts', "import { recognise } from '../recognition/recognise.js';"],
    ['src/report/x.ts', "import { ScanService } from '../service/scan.js';"],
    ['src/models/x.ts', "import { PerceptionPipeline } from '../perception/perceive.js';"],
    ['src/service/x.ts', "import { scanCommand } from '../cli/scan.js';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await boundaryErrors(file, `${code}\nexport {};\n`)).toHaveLength(1);
  });

  it.each([
    ['src/service/x.ts', "import { recognise } from '../recognition/recognise.js';"],
    ['src/hosts/immich/x.ts', "import type { Source } from '../../ports.js';"],
    ['src/recognition/x.ts', "import type { Observation } from '../types.js';"],
    ['src/recognition/baselines/x.ts', "import { dot } from '../vectors.js';"],
    ['src/store/x.ts', "import type { VectorMatrix } from '../recognition/vectors.js';"],
    ['src/perception/models/x.ts', "import { loadSession } from '../../models/session.js';"],
    ['src/report/x.ts', "import { decodeImage } from '../perception/image/decode.js';"],
  ])('%s may: %s', async (file, code) => {
    expect(await boundaryErrors(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});
