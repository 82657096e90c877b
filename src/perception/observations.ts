import type { BodyEmbedder, Box, Face, Observation, PersonDetector, RgbImage, UpperBody } from '../types.js';
import { torsoBelowFace, torsoOfUpperBody, upperBodyBelowFace, upperBodyOfPerson } from './body-regions.js';
import { pairFacesWithBodies } from './pairing.js';

/** A torso smaller than this (in pixels, each side) holds too few pixels for a colour histogram to mean anything. */
const MIN_TORSO_SIDE = 12;

export type BodyStage = 'persons' | 'pairing' | 'bodyEmbed';

export interface BodyPerception {
  detector: PersonDetector;
  embedder: BodyEmbedder;
  timer?: (stage: BodyStage, ms: number) => void;
}

/**
 * Turns faces and person detections into observations: each face with its upper body (paired by headFit over the
 * whole score matrix, or placed below the face), and each unpaired person as a body-only observation.
 * The clothing is always read from the torso below the face when there is one, else from the person box.
 */
export async function observe(
  image: RgbImage,
  faces: readonly Face[],
  body: BodyPerception,
  options: { embeddings: boolean },
): Promise<Observation[]> {
  const time = body.timer ?? (() => {});
  let start = performance.now();
  const persons = await body.detector.detect(image);
  time('persons', performance.now() - start);

  start = performance.now();
  const uppers = persons.map((p) => upperBodyOfPerson(p.box));
  const faceToBody = pairFacesWithBodies(
    faces.map((f) => f.box),
    uppers,
  );
  const paired = new Set(faceToBody.filter((b) => b >= 0));
  const observations: Observation[] = [];
  const torsos: Box[] = [];
  faces.forEach((face, i) => {
    const b = faceToBody[i];
    const upperBody: UpperBody =
      b >= 0
        ? { box: uppers[b], score: persons[b].score, source: 'person' }
        : { box: upperBodyBelowFace(face.box, image.width, image.height), score: face.score, source: 'face' };
    observations.push({ face, upperBody });
    torsos.push(torsoBelowFace(face.box, image.width, image.height));
  });
  uppers.forEach((upper, b) => {
    if (paired.has(b)) return;
    observations.push({ upperBody: { box: upper, score: persons[b].score, source: 'person' } });
    torsos.push(torsoOfUpperBody(upper, image.width, image.height));
  });
  time('pairing', performance.now() - start);
  if (!options.embeddings) return observations;

  start = performance.now();
  const usable = torsos
    .map((torso, i) => ({ torso, i }))
    .filter(({ torso }) => torso[2] - torso[0] >= MIN_TORSO_SIDE && torso[3] - torso[1] >= MIN_TORSO_SIDE);
  const vectors = await body.embedder.embed(
    image,
    usable.map((u) => u.torso),
  );
  usable.forEach(({ i }, k) => {
    observations[i].upperBody!.embedding = { model: body.embedder.id, vector: vectors[k] };
  });
  time('bodyEmbed', performance.now() - start);
  return observations;
}
