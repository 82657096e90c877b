/**
 * Re-records recorded.json with the real models. Skipped unless asked for:
 *   RECORD_OBSERVATIONS=1 npx vitest run test/fakes/perception/record.test.ts
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createPerception } from '../../../src/service/perception.js';
import { FIXTURES, HAS_FIXTURES, HAS_MODELS } from '../../helpers/fixtures.js';
import { recordFixtures } from './record.js';
import { parseRecording, RECORDING_FILE, serializeRecording } from './recording.js';

const asked = process.env.RECORD_OBSERVATIONS === '1';

describe.skipIf(!asked)('recording the real perception of the fixture photos', () => {
  it('writes recorded.json, which reads back as it was recorded', { timeout: 600_000 }, async () => {
    expect(HAS_FIXTURES && HAS_MODELS, 'recording needs the fixture photos and the fetched models').toBe(true);
    const perception = await createPerception(loadConfig({ env: {} }));
    const recording = await recordFixtures(perception, FIXTURES);
    const text = serializeRecording(recording);
    expect(serializeRecording(parseRecording(text))).toBe(text);
    writeFileSync(RECORDING_FILE, text);
    console.log(`recorded ${recording.images.length} photos into ${RECORDING_FILE} (${text.length} bytes)`);
  });
});
