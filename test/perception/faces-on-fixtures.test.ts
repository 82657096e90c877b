import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createFacePipeline } from '../../src/service/perception.js';
import { decodeImage } from '../../src/perception/image/decode.js';
import type { Face, FaceAnalyzer } from '../../src/types.js';
import { FIXTURES, fixture, HAS_FIXTURES, HAS_MODELS, readLabels } from '../helpers/fixtures.js';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i], 0);
const area = (f: Face) => (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]);
const largest = (faces: Face[]) => faces.reduce((best, f) => (area(f) > area(best) ? f : best));
const inside = ([x, y]: readonly number[], f: Face) => x >= f.box[0] && x <= f.box[2] && y >= f.box[1] && y <= f.box[3];

describe.skipIf(!HAS_FIXTURES || !HAS_MODELS)('embedded face pipeline on the fixture photos', () => {
  let pipeline: FaceAnalyzer;
  const sizes = new Map<string, { width: number; height: number }>();
  const analyze = async (path: string) => {
    const image = await decodeImage(readFileSync(fixture(path)), { maxPixels: 1e8 });
    sizes.set(path, { width: image.width, height: image.height });
    return pipeline.analyze(image, { embeddings: true });
  };
  /** people/<identity>/<file> → the largest face's embedding */
  const gallery: { identity: string; file: string; vector: Float32Array }[] = [];

  beforeAll(async () => {
    pipeline = await createFacePipeline(loadConfig({ env: {} }));
    for (const identity of readdirSync(join(FIXTURES, 'people')).sort()) {
      for (const file of readdirSync(join(FIXTURES, 'people', identity)).sort()) {
        const faces = await analyze(`people/${identity}/${file}`);
        expect(faces.length, `${identity}/${file} has a face`).toBeGreaterThan(0);
        gallery.push({ identity, file, vector: largest(faces).embedding!.vector });
      }
    }
  });

  it('finds no face in no_face/ at the default threshold', async () => {
    for (const file of readLabels().no_face) expect(await analyze(`no_face/${file}`), file).toEqual([]);
  });

  it('separates identities in people/: every genuine pair beats the median impostor pair, AUC ≥ 0.99', () => {
    const genuine: number[] = [];
    const impostor: number[] = [];
    for (let i = 0; i < gallery.length; i++) {
      for (let j = i + 1; j < gallery.length; j++) {
        (gallery[i].identity === gallery[j].identity ? genuine : impostor).push(
          cosine(gallery[i].vector, gallery[j].vector),
        );
      }
    }
    const sorted = [...impostor].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    expect(Math.min(...genuine)).toBeGreaterThan(median);
    let wins = 0;
    for (const g of genuine) for (const f of impostor) wins += g > f ? 1 : g === f ? 0.5 : 0;
    const auc = wins / (genuine.length * impostor.length);
    console.info(`people/: ${genuine.length} genuine, ${impostor.length} impostor pairs, AUC ${auc.toFixed(4)}`);
    expect(auc).toBeGreaterThanOrEqual(0.99);
  });

  it('finds every labelled person in groups/, in left-to-right order', async () => {
    const identities = [...new Set(gallery.map((g) => g.identity))];
    const centroid = (identity: string) => {
      const members = gallery.filter((g) => g.identity === identity);
      const sum = new Float32Array(members[0].vector.length);
      for (const m of members) m.vector.forEach((v, i) => (sum[i] += v));
      const norm = Math.hypot(...sum);
      return sum.map((v) => v / norm);
    };
    const centroids = new Map(identities.map((id) => [id, centroid(id)]));

    for (const image of readLabels().images.filter((i) => i.file.startsWith('groups/'))) {
      const faces = await analyze(image.file);
      const labelled = [...image.people].sort((a, b) => (a.order_ltr ?? 0) - (b.order_ltr ?? 0));
      if (image.face_count !== undefined) expect(faces.length, image.file).toBeGreaterThanOrEqual(image.face_count);

      const matched: Face[] = labelled.map((person, index) => {
        const label = `${image.file} person ${index + 1} (${person.identity})`;
        const byNose = person.nose_xy && faces.find((f) => inside(person.nose_xy!, f));
        const box = (person as { face_box_normalized_center_wh_from_xmp?: number[] })
          .face_box_normalized_center_wh_from_xmp;
        // MWG regions are normalised to the upright image, whatever the file's stored orientation
        const upright = sizes.get(image.file)!;
        const byRegion = box && faces.find((f) => inside([box[0] * upright.width, box[1] * upright.height], f));
        const known = centroids.get(person.identity);
        const byIdentity =
          known &&
          faces
            .map((f) => ({ f, s: cosine(f.embedding!.vector, known) }))
            .filter(({ f }) =>
              // the best identity for this face must be the labelled one
              [...centroids.entries()].every(
                ([id, c]) =>
                  id === person.identity || cosine(f.embedding!.vector, c) < cosine(f.embedding!.vector, known),
              ),
            )
            .sort((a, b) => b.s - a.s)[0]?.f;
        const face = byNose || byRegion || byIdentity;
        expect(face, label).toBeDefined();
        if (known)
          expect(cosine(face!.embedding!.vector, known), `${label} resembles their people/ photos`).toBeGreaterThan(
            0.42,
          );
        return face!;
      });
      if (labelled.every((p) => p.order_ltr !== undefined)) {
        const centres = matched.map((f) => (f.box[0] + f.box[2]) / 2);
        expect(centres, `${image.file} left-to-right`).toEqual([...centres].sort((a, b) => a - b));
      }
    }
  });

  it('gives the same faces, in upright coordinates, for the EXIF-rotated Curie portrait', async () => {
    const upright = await analyze('groups/curie_portrait.jpg');
    const rotated = await analyze('groups/curie_portrait_exif_orientation6.jpg');
    expect(rotated.length).toBe(upright.length);
    const byX = (faces: Face[]) => [...faces].sort((a, b) => a.box[0] - b.box[0]);
    byX(upright).forEach((face, i) => {
      const other = byX(rotated)[i];
      for (let k = 0; k < 4; k++) expect(Math.abs(other.box[k] - face.box[k])).toBeLessThan(4);
      // the rotated file is a separate greyscale JPEG; Pierre's landmarks move by ~7 px between the two (0.74)
      expect(cosine(other.embedding!.vector, face.embedding!.vector)).toBeGreaterThan(0.6);
    });
  });

  it('tags every vector with the embedder id and keeps it unit-length', async () => {
    const [face] = await analyze('people/obama/obama_1.jpg');
    expect(face.embedding!.model).toBe('faceplugin-feature512');
    expect(face.embedding!.vector.length).toBe(512);
    expect(cosine(face.embedding!.vector, face.embedding!.vector)).toBeCloseTo(1, 5);
  });
});
