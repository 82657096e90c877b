import { loadConfig, resolveModelsDir } from '../config/load.js';
import { fetchModels } from '../models/fetch.js';
import { modelsBodyMeanCommand } from './models-body-mean.js';

export async function modelsCommand(args: readonly string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'body-mean') return modelsBodyMeanCommand(rest);
  if (verb !== 'fetch') {
    process.stderr.write('usage: immich-people models fetch | models body-mean [photo folder]\n');
    return 2;
  }
  const dir = resolveModelsDir(loadConfig());
  const report = await fetchModels(dir, (message) => process.stderr.write(`${message}\n`));
  process.stderr.write(
    `models in ${dir}: ${report.fetched.length} fetched, ${report.upToDate.length} already in place and verified\n`,
  );
  return 0;
}
