import { describe, expect, it } from 'vitest';
import {
  FACE_CHECK_START,
  nextFaceCheckPosition,
  parseFaceCheckPosition,
} from '../../../src/hosts/immich/face-check.js';

const T1 = '2020-01-01T10:00:00.000Z';
const T2 = '2020-01-01T11:00:00.000Z';

describe('the rotation through the library that re-reads faces', () => {
  it('reads a stored position, and starts over from anything else', () => {
    expect(parseFaceCheckPosition(JSON.stringify({ visibility: 'archive', after: T1 }))).toEqual({
      visibility: 'archive',
      after: T1,
    });
    expect(parseFaceCheckPosition(JSON.stringify({ visibility: 'timeline', after: null }))).toEqual(FACE_CHECK_START);
    for (const stored of [undefined, '', '17', '{"visibility":"locked","after":null}', '{"visibility":"archive"}']) {
      expect(parseFaceCheckPosition(stored), String(stored)).toEqual(FACE_CHECK_START);
    }
    expect(parseFaceCheckPosition(JSON.stringify({ visibility: 'timeline', after: 'yesterday' }))).toEqual(
      FACE_CHECK_START,
    );
  });

  it('resumes at the last capture time seen, inclusive, so photos sharing it are not skipped', () => {
    expect(nextFaceCheckPosition(FACE_CHECK_START, [T1, T1, T2], true)).toEqual({ visibility: 'timeline', after: T2 });
    expect(nextFaceCheckPosition({ visibility: 'archive', after: T1 }, [T1, T2], true)).toEqual({
      visibility: 'archive',
      after: T2,
    });
  });

  it('moves a millisecond on past a full page of one single time, which would come back whole', () => {
    expect(nextFaceCheckPosition({ visibility: 'timeline', after: T1 }, [T1, T1, T1], true)).toEqual({
      visibility: 'timeline',
      after: '2020-01-01T10:00:00.001Z',
    });
  });

  it('goes from the end of the timeline to the archive, and from the end of the archive round again', () => {
    expect(nextFaceCheckPosition({ visibility: 'timeline', after: T1 }, [T1, T2], false)).toEqual({
      visibility: 'archive',
      after: null,
    });
    expect(nextFaceCheckPosition({ visibility: 'archive', after: T1 }, [], false)).toEqual(FACE_CHECK_START);
    expect(nextFaceCheckPosition(FACE_CHECK_START, [], true)).toEqual({ visibility: 'archive', after: null });
  });
});
