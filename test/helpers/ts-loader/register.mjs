// `node --import <this file> src/cli/main.ts …` runs the TypeScript sources as they are, without a build, so tests
// can start the real CLI in a child process and see exactly what the checkout does.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
