import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** JSON lines for machines; readable colour on a terminal. Secrets are redacted wherever they appear as fields. */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const settings = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: ['apiKey', '*.apiKey', 'immich.apiKey', 'headers["x-api-key"]'], censor: '***' },
  };
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  return usePretty ? pino(settings, pretty({ colorize: true, sync: true })) : pino(settings);
}
