import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FOLDER_SOURCE } from '../ports.js';
import { DEFAULT_LIBRARY } from '../store/libraries.js';
import type { StoredObservation } from '../store/observations.js';
import type { PersonRow } from '../store/people.js';
import type { Store } from '../store/store.js';
import { renderCrops, type CropAsset, type CropOptions, type CropRequest } from './crops.js';
import { escapeHtml as esc } from './html.js';

export interface PeopleReportOptions {
  /** The date printed in the header. */
  now?: Date;
  /** Crops shown per person. */
  cropsPerPerson?: number;
  /** Crops of unassigned clear faces shown under "Unknown faces". */
  unknownCrops?: number;
  crops?: CropOptions;
}

const CROP = 96;

/** A person's display name: the user's name, or "Unnamed person" with a short id. */
function label(person: { id: string; name: string | null } | undefined, id: string): { name: string; short: string } {
  const short = id.slice(0, 8);
  return { name: person?.name?.trim() ? person.name : 'Unnamed person', short };
}

/** A face's thumbnail. A person's card and the unknown faces show faces only, never bodies (see writePeopleReport). */
function cropRequest(s: StoredObservation): CropRequest | null {
  const { face } = s.observation;
  return face ? { id: s.id, assetId: s.assetId, box: face.box, kind: 'face' } : null;
}

/** Best first: clear faces before unclear ones, then by quality score, then by id. */
function byQuality(a: StoredObservation, b: StoredObservation): number {
  const rank = (s: StoredObservation) => (s.observation.face?.quality?.clear ? 0 : 1);
  return (
    rank(a) - rank(b) ||
    (b.observation.face?.quality?.score ?? 0) - (a.observation.face?.quality?.score ?? 0) ||
    a.id - b.id
  );
}

/** Up to `count` of a person's faces to show: the exemplars first, then the best of the rest. */
function pickShown(person: PersonRow, faces: readonly StoredObservation[], count: number): StoredObservation[] {
  const byId = new Map(faces.map((s) => [s.id, s]));
  const exemplars = person.exemplars.flatMap((id) => byId.get(id) ?? []);
  const rest = [...faces].sort(byQuality).filter((s) => !person.exemplars.includes(s.id));
  return [...exemplars, ...rest].slice(0, count);
}

function cropHtml(uri: string | null | undefined, alt: string, file: string | undefined): string {
  const title = file ? ` title="${esc(file)}"` : '';
  if (!uri) return `<div class="crop missing" role="img" aria-label="photo unavailable"${title}>?</div>`;
  return `<img class="crop" src="${uri}" width="${CROP}" height="${CROP}" alt="${esc(alt)}"${title}>`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const STYLE = `
:root { color-scheme: light; --bg: #f6f6f4; --card: #fff; --ink: #1d1d1f; --muted: #6b6b70; --line: #e2e2e0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
header { padding: 20px 28px; background: var(--card); border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 6px; font-size: 24px; }
.totals { display: flex; flex-wrap: wrap; gap: 8px 20px; margin: 0; color: var(--muted); }
.totals b { color: var(--ink); font-size: 18px; }
main { padding: 12px 28px 40px; }
h2 { font-size: 19px; margin: 26px 0 12px; }
.people { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; }
.person, .unknown-box, .suggestion { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.person h3 { margin: 0; font-size: 16px; overflow-wrap: anywhere; }
.id { color: var(--muted); font: 12px ui-monospace, monospace; margin-left: 6px; }
.counts { margin: 2px 0 10px; color: var(--muted); font-size: 13px; }
.crops { display: flex; flex-wrap: wrap; gap: 6px; }
.crop { width: ${CROP}px; height: ${CROP}px; border-radius: 6px; object-fit: cover; display: block; background: #ddd; }
.crop.missing { display: flex; align-items: center; justify-content: center; color: #888; font-size: 28px;
  background: repeating-linear-gradient(45deg, #e4e4e4, #e4e4e4 8px, #d8d8d8 8px, #d8d8d8 16px); }
.empty { color: var(--muted); }
.suggestions { display: flex; flex-direction: column; gap: 10px; }
.suggestion { display: flex; align-items: center; gap: 18px; flex-wrap: wrap; }
.side { display: flex; align-items: center; gap: 10px; min-width: 240px; flex: 1; }
.side .who { overflow-wrap: anywhere; }
.score { font: 600 15px ui-monospace, monospace; padding: 4px 10px; border-radius: 999px; background: #eef2ff; color: #3b4ba8; }
.answer { flex-basis: 100%; margin: 0; color: var(--muted); font-size: 13px; }
.answer code { font: 12px ui-monospace, monospace; color: var(--ink); background: var(--bg); padding: 1px 5px; border-radius: 4px; user-select: all; }
footer { padding: 0 28px 28px; color: var(--muted); font-size: 12px; }
`;

/**
 * What the page says about the faces nobody holds: the true count, how many are clear, how many are shown and how many
 * are not, and the bodies seen without a face, which the scan's "unknown" counts too.
 */
export function unknownSummary(faces: number, clear: number, shown: number, bodies: number): string {
  const shownPart =
    shown === 0
      ? 'None is clear enough to show.'
      : shown === faces
        ? `Showing ${shown === 1 ? 'it' : `all ${shown}`}.`
        : `Showing the ${shown} clearest; ${faces - shown} not shown.`;
  const facesPart =
    faces === 0
      ? 'No face is left unassigned.'
      : `${plural(faces, 'face')} not assigned to anyone, ${clear} of them clear. ${shownPart}`;
  const bodiesPart =
    bodies === 0
      ? ''
      : ` ${plural(bodies, 'body', 'bodies')} seen without a face ${bodies === 1 ? 'is' : 'are'} not assigned either.`;
  return facesPart + bodiesPart;
}

/** A card's counts: faces (what it shows), photos, and the bodies seen without a face, which it counts but never shows. */
function cardCounts(faces: number, photos: number, bodies: number): string {
  const count = (key: string, text: string) => `<span data-count="${key}">${esc(text)}</span>`;
  return [
    count('faces', plural(faces, 'face')),
    count('photos', plural(photos, 'photo')),
    ...(bodies > 0 ? [count('bodies', `${bodies} seen without a face (not shown)`)] : []),
  ].join(' · ');
}

/**
 * Writes the people report: a single self-contained HTML page (inline CSS, thumbnails as data: URIs, no
 * scripts, no external URLs) with one card per person, the unknown faces, and the merge suggestions side by
 * side. Each photo is decoded at most once; a missing or unreadable photo shows placeholders.
 *
 * Cards and the unknown section show faces only. A person also holds bodies seen without a face, which pass 1 joined
 * by their clothes alone (recognition/cluster-pass1.ts): their thumbnail is a head-and-shoulders square cut from the top
 * of a whole-person box, so in a crowd it is often someone else, and a clothing match can be wrong. They are counted.
 */
export async function writePeopleReport(
  store: Store,
  root: string,
  path: string,
  options: PeopleReportOptions = {},
): Promise<void> {
  const perPerson = options.cropsPerPerson ?? 8;
  const unknownShown = options.unknownCrops ?? 12;
  const now = options.now ?? new Date();

  const people = store.people.list();
  const personById = new Map(people.map((p) => [p.id, p]));
  const visible = people.filter((p) => !p.hidden && p.observations > 0);
  const hidden = people.filter((p) => p.hidden && p.observations > 0).length;
  // only the photos of the library at root: another library may hold the same relative path with another photo
  const library = store.libraries.find(FOLDER_SOURCE, resolve(root));
  const assets = store.assets.list(FOLDER_SOURCE, library?.id ?? DEFAULT_LIBRARY);
  const cropAssets = new Map<number, CropAsset>(assets.map((a) => [a.id, a]));
  const observations = store.observations.all({ vectors: false });
  const suggestions = store.suggestions.list();

  const facesOf = new Map<string, StoredObservation[]>();
  const photosOf = new Map<string, Set<number>>();
  const bodiesOf = new Map<string, number>();
  const unknown: StoredObservation[] = [];
  let unknownBodies = 0;
  for (const s of observations) {
    const isFace = s.observation.face !== undefined;
    if (s.personId === null) {
      // a dismissed face is no face: the user said so
      if (isFace && !s.dismissed) unknown.push(s);
      else if (!isFace) unknownBodies++;
      continue;
    }
    const list = facesOf.get(s.personId);
    if (isFace && list) list.push(s);
    else if (isFace) facesOf.set(s.personId, [s]);
    else bodiesOf.set(s.personId, (bodiesOf.get(s.personId) ?? 0) + 1);
    photosOf.set(s.personId, (photosOf.get(s.personId) ?? new Set()).add(s.assetId));
  }

  // what each person shows; people only in suggestions (hidden, say) get their best face
  const shown = new Map<string, StoredObservation[]>();
  const show = (id: string, count: number) => {
    const person = personById.get(id);
    if (!shown.has(id)) shown.set(id, person ? pickShown(person, facesOf.get(id) ?? [], count) : []);
    return shown.get(id)!;
  };
  visible.forEach((p) => show(p.id, perPerson));
  suggestions.forEach((s) => [s.personA, s.personB].forEach((id) => show(id, 1)));
  const clearUnknown = unknown.filter((s) => s.observation.face?.quality?.clear);
  const unknownPicked = [...clearUnknown].sort(byQuality).slice(0, unknownShown);

  const requests = [...[...shown.values()].flat(), ...unknownPicked]
    .map(cropRequest)
    .filter((r): r is CropRequest => r !== null);
  const crops = await renderCrops(resolve(root), cropAssets, requests, options.crops);
  const fileOf = (s: StoredObservation) => cropAssets.get(s.assetId)?.sourceId;
  const crop = (s: StoredObservation | undefined, alt: string) =>
    s ? cropHtml(crops.get(s.id), alt, fileOf(s)) : cropHtml(null, alt, undefined);

  const doneImages = assets.filter((a) => a.status === 'done').length;
  const failedImages = assets.filter((a) => a.status === 'failed').length;
  const faces = observations.filter((s) => s.observation.face).length;
  const date = now.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

  const cards = visible.map((p) => {
    const { name, short } = label(p, p.id);
    const list = shown.get(p.id)!;
    const images = list.length > 0 ? list.map((s) => crop(s, name)).join('') : '<p class="empty">No face to show.</p>';
    const counts = cardCounts(facesOf.get(p.id)?.length ?? 0, photosOf.get(p.id)?.size ?? 0, bodiesOf.get(p.id) ?? 0);
    return (
      `<section class="person" data-person-id="${esc(p.id)}">` +
      `<h3><span class="name">${esc(name)}</span><span class="id">${esc(short)}</span></h3>` +
      `<p class="counts">${counts}</p>` +
      `<div class="crops">${images}</div></section>`
    );
  });

  const side = (id: string) => {
    const person = personById.get(id);
    const { name, short } = label(person, id);
    const detail = person ? plural(facesOf.get(id)?.length ?? 0, 'face') : 'no longer in the store';
    return (
      `<div class="side" data-person-id="${esc(id)}">${crop(shown.get(id)?.[0], name)}` +
      `<div class="who"><b>${esc(name)}</b><span class="id">${esc(short)}</span><br>` +
      `<span class="counts">${esc(detail)}</span></div></div>`
    );
  };
  const suggestionRows = suggestions.map(
    (s) =>
      `<div class="suggestion" data-suggestion-id="${esc(s.id)}" data-person-a="${esc(s.personA)}" data-person-b="${esc(s.personB)}" data-score="${esc(s.score)}">` +
      `${side(s.personA)}<div class="score" title="merge score">${esc(s.score.toFixed(3))}</div>${side(s.personB)}` +
      `<p class="answer"><b>#${esc(s.id)}</b> same person: <code>immich-people suggestions accept ${esc(s.id)}</code>` +
      ` · different: <code>immich-people suggestions reject ${esc(s.id)}</code></p></div>`,
  );

  const totals = [
    ['images', doneImages, 'image'],
    ['faces', faces, 'face'],
    ['people', visible.length, 'person', 'people'],
    ['unknown', unknown.length, 'unknown face'],
    ['suggestions', suggestions.length, 'merge suggestion'],
  ] as const;
  const totalsHtml = totals
    .map(([key, n, one, many]) => {
      const words = plural(n, one, many).replace(/^\d+ /, '');
      return `<span data-total="${key}"><b>${n}</b> ${esc(words)}</span>`;
    })
    .join('');
  const notes = [
    failedImages > 0 ? `${plural(failedImages, 'image')} could not be read` : '',
    hidden > 0 ? `${plural(hidden, 'hidden person', 'hidden people')} not shown` : '',
  ].filter(Boolean);
  const unknownText = unknownSummary(unknown.length, clearUnknown.length, unknownPicked.length, unknownBodies);

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>People · immich-people</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>People</h1>
<p class="totals">${totalsHtml}<span>generated <time datetime="${esc(now.toISOString())}">${esc(date)}</time></span></p>
${notes.length > 0 ? `<p class="counts">${esc(notes.join('; '))}</p>` : ''}
</header>
<main>
<h2 id="people">People (${visible.length})</h2>
${cards.length > 0 ? `<div class="people">\n${cards.join('\n')}\n</div>` : '<p class="empty">No people yet.</p>'}
<h2 id="unknown">Unknown faces (${unknown.length})</h2>
<section class="unknown unknown-box" data-count="${unknown.length}" data-shown="${unknownPicked.length}">
<p class="counts">${esc(unknownText)}</p>
<div class="crops">${unknownPicked.map((s) => crop(s, 'unknown face')).join('')}</div>
</section>
<h2 id="suggestions">Merge suggestions (${suggestions.length})</h2>
<section class="suggestions">
${suggestionRows.length > 0 ? suggestionRows.join('\n') : '<p class="empty">No merge suggestions.</p>'}
</section>
</main>
<footer>Made by immich-people on this machine; the page needs no network.</footer>
</body>
</html>
`;

  await mkdir(dirname(resolve(path)), { recursive: true });
  const partial = `${resolve(path)}.partial`;
  await writeFile(partial, html, 'utf8');
  await rename(partial, resolve(path));
}
