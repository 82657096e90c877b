import { loadConfig, resolveModelsDir } from '../config/load.js';
import { fetchModels } from '../models/fetch.js';

export async function modelsCommand(args: readonly string[]): Promise<number> {
  const [verb] = args;
  if (verb !== 'fetch') {
    process.stderr.write('usage: immich-people models fetch\n');
    return 2;
  }
  const dir = resolveModelsDir(loadConfig());
  const report = await fetchModels(dir, (message) => process.stderr.write(`${message}\n`));
  process.stderr.write(
    `models in ${dir}: ${report.fetched.length} fetched, ${report.upToDate.length} already in place and verified\n`,
  );
  return 0;
}
