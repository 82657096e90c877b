import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Chromium to drive: CHROMIUM_PATH, /usr/bin/chromium, or chromium on the PATH; null when none. */
export function findChromium(): string | null {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  const candidates = [
    process.env.CHROMIUM_PATH ?? '',
    '/usr/bin/chromium',
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .flatMap((dir) => [join(dir, 'chromium'), join(dir, 'chromium-browser')]),
  ];
  return candidates.find((c) => c !== '' && executable(c)) ?? null;
}

export const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.warn('[skip] tests in Chromium: no chromium binary (set CHROMIUM_PATH, or apt-get install -y chromium)');
}
