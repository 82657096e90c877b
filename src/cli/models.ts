import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { loadConfig, resolveModelsDir } from '../config/load.js';
import { fetchModels } from '../models/fetch.js';
import { runCommandLine, type Outcome } from './command-runner.js';
import { computeBodyMean } from './models-body-mean.js';

async function fetchAndVerify(): Promise<number> {
  const dir = resolveModelsDir(loadConfig());
  const report = await fetchModels(dir, (message) => process.stderr.write(`${message}\n`));
  process.stderr.write(
    `models in ${dir}: ${report.fetched.length} fetched, ${report.upToDate.length} already in place and verified\n`,
  );
  return 0;
}

export function modelsCli(outcome: Outcome): CommandUnknownOpts {
  const models = new Command('models').description('the embedded models');
  models
    .command('fetch')
    .description('fetch and verify the embedded models')
    .action(async () => {
      outcome.code = await fetchAndVerify();
    });
  models
    .command('body-mean')
    .description("compute the body embedder's mean torso feature from the clear faces of a folder of photos")
    .argument('[folder]', 'photos to average over (default: ../shared/fixtures/photos)')
    .action(async (folder) => {
      outcome.code = await computeBodyMean(folder);
    });
  return models;
}

export function modelsCommand(args: readonly string[]): Promise<number> {
  return runCommandLine([modelsCli], ['models', ...args]);
}
