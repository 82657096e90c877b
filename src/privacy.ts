/**
 * Nothing leaves the machine: every dependency's telemetry is switched off here, in code, before any of them loads.
 * Import this module first, for its effect, in every entry point (src/cli/main.ts, the bench) and beside every import
 * of a dependency that phones home (src/models/session.ts), so that no import order can skip it.
 *
 * - onnxruntime-node (1.30) ships Microsoft's 1DS telemetry in its native library: it keeps a device id and an event
 *   queue under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ and uploads to mobile.events.data.microsoft.com.
 *   It reads ORT_DISABLE_TELEMETRY with getenv() when its environment is first created (the first
 *   InferenceSession.create, not the import), and latches the answer for the life of the process. Node's process.env
 *   writes through to the C environment on the main thread only: a worker thread's process.env is its own copy, so
 *   the main thread must have run this module before any worker creates a session.
 * - Nothing else we ship has telemetry (sharp/libvips, better-sqlite3, hnswlib-node, pino, @immich/sdk, exifr, zod:
 *   checked by grepping their JavaScript and native binaries for collectors).
 *
 * The values are forced, not defaulted: a user cannot switch telemetry back on by accident through the environment.
 */
export const TELEMETRY_OFF: Readonly<Record<string, string>> = {
  ORT_DISABLE_TELEMETRY: '1',
};

for (const [variable, value] of Object.entries(TELEMETRY_OFF)) process.env[variable] = value;
