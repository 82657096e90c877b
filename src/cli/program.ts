import type { CommandFactory } from './command-runner.js';
import { detectCli } from './detect.js';
import { evalCli } from './eval.js';
import { modelsCli } from './models.js';
import { peopleCli } from './people.js';
import { sidecarCli } from './run.js';
import { scanCli } from './scan.js';
import { serveCli } from './serve.js';
import { suggestionsCli } from './suggestions.js';

/** Every command, in the order the top-level help and README's "Commands" list them. */
export const COMMANDS: readonly CommandFactory[] = [
  scanCli,
  peopleCli,
  suggestionsCli,
  serveCli,
  sidecarCli,
  evalCli,
  detectCli,
  modelsCli,
];
