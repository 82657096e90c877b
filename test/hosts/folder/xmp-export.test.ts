import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportXmpSidecars, type XmpExportSummary } from '../../../src/hosts/folder/xmp-export.js';
import { buildRegionXmp } from '../../../src/hosts/folder/xmp-regions.js';
import { Store } from '../../../src/store/store.js';
import { photo, scannedLibrary, type Library } from '../../helpers/folder-library.js';

const HAS_EXIFTOOL = spawnSync('exiftool', ['-ver']).status === 0;
if (!HAS_EXIFTOOL) console.warn('[skip] exiftool not found (apt install libimage-exiftool-perl): reading back skipped');

async function exportOnce(library: Library, dryRun = false): Promise<XmpExportSummary> {
  const store = Store.open(library.db);
  try {
    return await exportXmpSidecars(store, { dryRun });
  } finally {
    store.close();
  }
}

function edit(library: Library, change: (store: Store) => void): void {
  const store = Store.open(library.db);
  try {
    change(store);
  } finally {
    store.close();
  }
}

/** Every file under root, relative, sorted: what the export left behind, temporary files included. */
function files(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

const NOTHING = { created: [], updated: [], unchanged: [], removed: [], skipped: [], failed: [] };

/** The Bag's regions as Immich would place them on the upright photo: its orientRegionInfo for orientation 6. */
function immichUprightBox(area: { X: number; Y: number; W: number; H: number }, width: number, height: number) {
  const [x, y, w, h] = [1 - area.Y, area.X, area.H, area.W]; // Rotate90CW: X, Y turned; W and H swapped
  return [(x - w / 2) * width, (y - h / 2) * height, (x + w / 2) * width, (y + h / 2) * height];
}

describe('people export-xmp: named faces into photo.jpg.xmp sidecars', () => {
  let library: Library;
  const path = (file: string) => join(library.root, file);

  beforeEach(async () => {
    library = await scannedLibrary();
  });
  afterEach(() => {
    rmSync(join(library.root, '..'), { recursive: true, force: true });
  });

  it('writes one sidecar per photo with a named face, with only the named faces, and touches no photo', async () => {
    const before = new Map(files(library.root).map((f) => [f, readFileSync(path(f))]));
    const summary = await exportOnce(library);
    expect(summary).toEqual({
      ...NOTHING,
      created: [path('a.jpg.xmp'), path('b.jpg.xmp'), path('trip/sideways.jpg.xmp')],
    });
    expect(files(library.root)).toEqual([
      'a.jpg',
      'a.jpg.xmp',
      'b.jpg',
      'b.jpg.xmp',
      'body.jpg',
      'c.jpg',
      'trip/sideways.jpg',
      'trip/sideways.jpg.xmp',
    ]);
    for (const [file, bytes] of before) expect(readFileSync(path(file)).equals(bytes)).toBe(true);
    expect(readFileSync(path('a.jpg.xmp'), 'utf8')).toBe(
      buildRegionXmp({
        width: 400,
        height: 300,
        regions: [
          { name: 'Ann', area: { x: 0.375, y: 0.266667, w: 0.25, h: 0.2 } },
          { name: 'Bob & <Co>', area: { x: 0.725, y: 0.333333, w: 0.2, h: 0.266667 } },
        ],
      }),
    );
    // stored 300×400: the upright box turned back by orientation 6
    expect(readFileSync(path('trip/sideways.jpg.xmp'), 'utf8')).toBe(
      buildRegionXmp({
        width: 300,
        height: 400,
        regions: [{ name: 'Ann', area: { x: 0.266667, y: 0.625, w: 0.2, h: 0.25 } }],
      }),
    );
  });

  it('writes nothing the second time: every sidecar unchanged, byte for byte and not rewritten', async () => {
    await exportOnce(library);
    const written = files(library.root).filter((f) => f.endsWith('.xmp'));
    const before = new Map(written.map((f) => [f, { text: readFileSync(path(f)), mtime: statSync(path(f)).mtimeMs }]));
    expect(await exportOnce(library)).toEqual({ ...NOTHING, unchanged: written.map(path) });
    for (const [file, { text, mtime }] of before) {
      expect(readFileSync(path(file)).equals(text)).toBe(true);
      expect(statSync(path(file)).mtimeMs).toBe(mtime);
    }
  });

  it('follows the people: a rename rewrites, a name cleared removes the sidecar it leaves empty', async () => {
    await exportOnce(library);
    edit(library, (store) => {
      store.people.rename('p1', 'Ann Lee');
      store.people.rename('p2', null);
    });
    expect(await exportOnce(library)).toEqual({
      ...NOTHING,
      updated: [path('a.jpg.xmp'), path('trip/sideways.jpg.xmp')],
      removed: [path('b.jpg.xmp')],
    });
    expect(readFileSync(path('a.jpg.xmp'), 'utf8')).toBe(
      buildRegionXmp({
        width: 400,
        height: 300,
        regions: [{ name: 'Ann Lee', area: { x: 0.375, y: 0.266667, w: 0.25, h: 0.2 } }],
      }),
    );
    expect(files(library.root).filter((f) => f.endsWith('.xmp'))).toEqual(['a.jpg.xmp', 'trip/sideways.jpg.xmp']);
    // a face moved to an unnamed person leaves the photo, too
    edit(library, (store) => {
      const sideways = store.assets.list('folder').find((a) => a.sourceId === 'trip/sideways.jpg')!;
      const [ann] = store.observations.forAsset(sideways.id);
      store.observations.assign([{ id: ann.id, personId: 'p3', assignedBy: 'user' }]);
    });
    expect(await exportOnce(library)).toEqual({
      ...NOTHING,
      unchanged: [path('a.jpg.xmp')],
      removed: [path('trip/sideways.jpg.xmp')],
    });
  });

  it("never touches a sidecar it did not write, nor writes beside another program's photo.xmp", async () => {
    const digikam = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><!-- the user’s ratings and tags --></x:xmpmeta>\n';
    writeFileSync(path('b.jpg.xmp'), digikam);
    writeFileSync(path('a.xmp'), digikam);
    mkdirSync(path('trip/sideways.jpg.xmp'));
    const summary = await exportOnce(library);
    expect(summary).toEqual({
      ...NOTHING,
      skipped: [
        {
          path: path('a.jpg.xmp'),
          reason: "a.xmp is there, another program's sidecar, which Immich would stop reading",
        },
        {
          path: path('b.jpg.xmp'),
          reason: 'a sidecar immich-people did not write (or one changed since) is there: left as it is',
        },
        { path: path('trip/sideways.jpg.xmp'), reason: 'something other than a file is in the sidecar’s place' },
      ],
    });
    expect(readFileSync(path('b.jpg.xmp'), 'utf8')).toBe(digikam);
    expect(readFileSync(path('a.xmp'), 'utf8')).toBe(digikam);
    expect(files(library.root)).not.toContain('a.jpg.xmp');
  });

  it('leaves a sidecar of ours alone once another program has edited it, even with no name left', async () => {
    await exportOnce(library);
    const edited = readFileSync(path('b.jpg.xmp'), 'utf8').replace(
      '<rdf:Description',
      '<rdf:Description xmp:Rating="5"',
    );
    writeFileSync(path('b.jpg.xmp'), edited);
    edit(library, (store) => store.people.rename('p2', null));
    expect((await exportOnce(library)).removed).toEqual([]);
    expect(readFileSync(path('b.jpg.xmp'), 'utf8')).toBe(edited);
  });

  it('skips a photo changed or gone since the scan, and a folder that is not there', async () => {
    writeFileSync(path('a.jpg'), await photo(400, 300, 99));
    rmSync(path('b.jpg'));
    const summary = await exportOnce(library);
    expect(summary.skipped).toEqual([
      { path: path('a.jpg.xmp'), reason: 'the photo changed since it was scanned: scan the folder again' },
      { path: path('b.jpg.xmp'), reason: 'the photo is not there any more' },
    ]);
    expect(summary.created).toEqual([path('trip/sideways.jpg.xmp')]);
    rmSync(library.root, { recursive: true });
    expect(await exportOnce(library)).toEqual({
      ...NOTHING,
      skipped: [
        {
          path: library.root,
          reason: 'the folder is not there (a drive not mounted?): its 3 photos with named faces are left out',
        },
      ],
    });
  });

  it('in a dry run, says the same and writes nothing', async () => {
    const before = files(library.root);
    const dry = await exportOnce(library, true);
    expect(files(library.root)).toEqual(before);
    expect(dry).toEqual(await exportOnce(library));
  });

  it.skipIf(!HAS_EXIFTOOL)(
    'is read by ExifTool (what Immich reads sidecars with) back onto the upright face',
    async () => {
      await exportOnce(library);
      const [read] = JSON.parse(
        execFileSync('exiftool', ['-j', '-struct', '-n', '-RegionInfo', path('trip/sideways.jpg.xmp')], {
          encoding: 'utf8',
        }),
      ) as {
        RegionInfo: {
          AppliedToDimensions: { W: number; H: number; Unit: string };
          RegionList: {
            Name: string;
            Type: string;
            Area: { X: number; Y: number; W: number; H: number; Unit: string };
          }[];
        };
      }[];
      const orientation = execFileSync('exiftool', ['-s3', '-n', '-Orientation', path('trip/sideways.jpg')], {
        encoding: 'utf8',
      });
      expect(orientation.trim()).toBe('6');
      const { AppliedToDimensions: dims, RegionList: regions } = read.RegionInfo;
      expect(dims).toEqual({ W: 300, H: 400, Unit: 'pixel' });
      expect(regions).toHaveLength(1);
      expect(regions[0]).toMatchObject({ Name: 'Ann', Type: 'Face', Area: { Unit: 'normalized' } });
      // turned as Immich turns it (sideways: dimensions swapped), the region is the stored upright box
      const box = immichUprightBox(regions[0].Area, dims.H, dims.W);
      [100, 50, 200, 110].forEach((v, i) => expect(box[i]).toBeCloseTo(v, 3));
      const names = execFileSync('exiftool', ['-s3', '-RegionName', path('a.jpg.xmp')], { encoding: 'utf8' });
      expect(names.trim()).toBe('Ann, Bob & <Co>');
    },
  );
});
