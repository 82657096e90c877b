import { describe, expect, it } from 'vitest';
import { isLoss } from '../../../src/hosts/immich/loss-guard.js';
import { compareIdentity, type ImmichIdentity } from '../../../src/hosts/immich/server-identity.js';
import { isFatal } from '../../../src/service/daemon.js';

describe('isLoss', () => {
  const none = { linkedPeople: 10, deletedPeople: 0, checkedFaces: 100, missingFaces: 0 };

  it('is most of our people deleted at once, at least 3', () => {
    expect(isLoss({ ...none, deletedPeople: 6 })).toBe(true);
    expect(isLoss({ ...none, deletedPeople: 5 })).toBe(false); // half is not most
    expect(isLoss({ ...none, linkedPeople: 3, deletedPeople: 3 })).toBe(true);
    expect(isLoss({ ...none, linkedPeople: 2, deletedPeople: 2 })).toBe(false); // two people are a user's edit
  });

  it('or most of the written faces checked this cycle missing, at least 10', () => {
    expect(isLoss({ ...none, missingFaces: 51 })).toBe(true);
    expect(isLoss({ ...none, missingFaces: 50 })).toBe(false);
    expect(isLoss({ ...none, checkedFaces: 12, missingFaces: 10 })).toBe(true);
    expect(isLoss({ ...none, checkedFaces: 9, missingFaces: 9 })).toBe(false);
  });
});

describe('compareIdentity', () => {
  const stored: ImmichIdentity = {
    userId: 'u1',
    email: 'ann@example.test',
    userCreatedAt: '2024-01-01T00:00:00.000Z',
    url: 'http://old:2283/api',
    version: '2.5.6',
    mode: 'manage',
  };

  it('is the first sight without a record', () => {
    expect(compareIdentity(null, stored, '/data/p.db')).toEqual({ kind: 'first' });
  });

  it('is the same library after a move, an upgrade or a new e-mail, and says what changed', () => {
    const moved = { ...stored, url: 'http://new:2283/api', version: '3.2.2', email: 'ann@new.test' };
    expect(compareIdentity(stored, moved, '/data/p.db')).toEqual({
      kind: 'same',
      changes: [
        'URL http://old:2283/api → http://new:2283/api',
        'version 2.5.6 → 3.2.2',
        'e-mail ann@example.test → ann@new.test',
      ],
    });
    expect(compareIdentity(stored, stored, '/data/p.db')).toEqual({ kind: 'same', changes: [] });
  });

  it('is another library for another user id, even with the same e-mail', () => {
    const verdict = compareIdentity(stored, { ...stored, userId: 'u2' }, '/data/p.db');
    expect(verdict.kind).toBe('other');
    if (verdict.kind !== 'other') return;
    expect(verdict.message).toContain('it was synced with user ann@example.test (id u1');
    expect(verdict.message).toContain('but the API key is of user ann@example.test (id u2');
    expect(verdict.message).toContain('use an API key of ann@example.test');
    expect(verdict.message).toContain('or move /data/p.db away');
  });
});

describe('the daemon stops for good', () => {
  it('on another library or a loss, as on a bad key', () => {
    for (const name of ['ImmichIdentityError', 'ImmichLossError', 'ImmichAuthError', 'ImmichSetupError']) {
      expect(isFatal(Object.assign(new Error('x'), { name }))).toBe(true);
    }
    expect(isFatal(Object.assign(new Error('x'), { name: 'ImmichUnavailableError' }))).toBe(false);
  });
});
