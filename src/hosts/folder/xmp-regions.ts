/**
 * People as XMP face regions: the Metadata Working Group's region schema (MWG 2.0, `mwg-rs`), which digiKam,
 * Lightroom and Immich's sidecar import read. Pure: boxes in, XMP text out; the files are xmp-export.ts's.
 *
 * The layout follows what ExifTool writes for `XMP-mwg-rs:RegionInfo` (its MWG.pm and XMP.pm name the namespaces):
 * `mwg-rs:Regions` holds `mwg-rs:AppliedToDimensions` (stDim w, h, unit pixel) and `mwg-rs:RegionList`, a Bag of
 * regions with `mwg-rs:Name`, `mwg-rs:Type` Face and `mwg-rs:Area` (stArea x, y of the centre, w, h, unit
 * normalized).
 *
 * Orientation: MWG areas are relative to the image as stored, before its EXIF orientation is applied, and
 * AppliedToDimensions is that stored size. Readers turn the areas themselves: Immich's metadata service rotates and
 * mirrors X/Y by the photo's Orientation and swaps W/H and the dimensions for the four sideways ones. Our boxes are
 * upright (the decoder applied the orientation), so they are turned back into the stored frame here.
 *
 * Each file carries a signature, the sha256 of the rest of it, so that the export knows its own files, unedited, from
 * the user's (isOurSidecar).
 */
import { createHash } from 'node:crypto';
import type { Box } from '../../types.js';

/** EXIF Orientation: 1 as stored, 2 mirrored, 3 turned 180°, 4 flipped, 5–8 sideways (see storedPoint). */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export function isExifOrientation(value: unknown): value is ExifOrientation {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8;
}

/** A named face on a photo: its box in upright pixels (EXIF orientation applied), as the store keeps it. */
export interface NamedFace {
  name: string;
  box: Box;
}

/** An MWG area: the centre and size of a region, as fractions of the stored image's width and height. */
export interface RegionArea {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface FaceRegion {
  name: string;
  area: RegionArea;
}

/** What one sidecar says: the stored image's size in pixels (AppliedToDimensions) and its face regions. */
export interface RegionSidecar {
  width: number;
  height: number;
  regions: FaceRegion[];
}

const SIDEWAYS: ReadonlySet<ExifOrientation> = new Set([5, 6, 7, 8]);

/** The stored image's size, from the upright size: the sideways orientations swap width and height. */
export function storedSize(
  upright: { width: number; height: number },
  orientation: ExifOrientation,
): { width: number; height: number } {
  return SIDEWAYS.has(orientation) ? { width: upright.height, height: upright.width } : { ...upright };
}

/**
 * Where a point of the upright image lies in the stored one, both normalised to 0…1. EXIF's orientations map a stored
 * point (x, y) to the upright (u, v) = 1: (x, y), 2: (1−x, y), 3: (1−x, 1−y), 4: (x, 1−y), 5: (y, x), 6: (1−y, x),
 * 7: (1−y, 1−x), 8: (y, 1−x); this is the inverse of each.
 */
export function storedPoint(u: number, v: number, orientation: ExifOrientation): [number, number] {
  switch (orientation) {
    case 1:
      return [u, v];
    case 2:
      return [1 - u, v];
    case 3:
      return [1 - u, 1 - v];
    case 4:
      return [u, 1 - v];
    case 5:
      return [v, u];
    case 6:
      return [v, 1 - u];
    case 7:
      return [1 - v, 1 - u];
    case 8:
      return [1 - v, u];
  }
}

/** Six decimals: a thousandth of a pixel on a 1,000-pixel side, and what digiKam writes. */
const DECIMALS = 6;
const round = (v: number) => Number(v.toFixed(DECIMALS));
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * The MWG area of an upright box: clipped to the photo (a detector's box may stick out, and readers turn an area
 * into pixels without checking), normalised, and turned into the stored frame. Null for a box with nothing inside.
 */
export function storedArea(
  box: Box,
  upright: { width: number; height: number },
  orientation: ExifOrientation,
): RegionArea | null {
  const [x1, y1, x2, y2] = box;
  if (![x1, y1, x2, y2].every(Number.isFinite) || upright.width <= 0 || upright.height <= 0) return null;
  const left = clamp01(Math.min(x1, x2) / upright.width);
  const right = clamp01(Math.max(x1, x2) / upright.width);
  const top = clamp01(Math.min(y1, y2) / upright.height);
  const bottom = clamp01(Math.max(y1, y2) / upright.height);
  if (right <= left || bottom <= top) return null;
  const [ax, ay] = storedPoint(left, top, orientation);
  const [bx, by] = storedPoint(right, bottom, orientation);
  return {
    x: round((ax + bx) / 2),
    y: round((ay + by) / 2),
    w: round(Math.abs(bx - ax)),
    h: round(Math.abs(by - ay)),
  };
}

/**
 * Characters XML 1.0 cannot carry (C0 controls but tab, newline and return; lone surrogates; U+FFFE/U+FFFF), and
 * tab, newline and return too, which an XML reader would fold: each becomes a space, so a name reads back as written.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_IN_A_NAME = /[\u0000-\u001f\ud800-\udfff\ufffe\uffff]/gu;

/** A name as the sidecar holds it: one line, trimmed; empty when nothing printable is left. */
export function regionName(name: string): string {
  return name.replace(NOT_IN_A_NAME, ' ').replace(/ +/g, ' ').trim();
}

function byPosition(a: FaceRegion, b: FaceRegion): number {
  const { area: p } = a;
  const { area: q } = b;
  return p.x - q.x || p.y - q.y || p.w - q.w || p.h - q.h || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * A photo's sidecar content: one region per named face with something inside the photo, in a fixed order (left to
 * right in the stored frame, then top to bottom), so the same faces always give the same text, whatever order the
 * store listed them in.
 */
export function regionSidecar(
  faces: readonly NamedFace[],
  upright: { width: number; height: number },
  orientation: ExifOrientation,
): RegionSidecar {
  const regions = faces
    .map((f) => ({ name: regionName(f.name), area: storedArea(f.box, upright, orientation) }))
    .filter((r): r is FaceRegion => r.name !== '' && r.area !== null)
    .sort(byPosition);
  return { ...storedSize(upright, orientation), regions };
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const escapeText = (text: string) => text.replace(/[&<>]/g, (c) => ESCAPES[c]);

/** The XMP toolkit attribute that says who wrote the packet. */
export const XMP_TOOLKIT = 'immich-people';

const region = ({ name, area }: FaceRegion) =>
  [
    '      <rdf:li rdf:parseType="Resource">',
    `       <mwg-rs:Name>${escapeText(regionName(name))}</mwg-rs:Name>`,
    '       <mwg-rs:Type>Face</mwg-rs:Type>',
    '       <mwg-rs:Area rdf:parseType="Resource">',
    `        <stArea:x>${area.x.toFixed(DECIMALS)}</stArea:x>`,
    `        <stArea:y>${area.y.toFixed(DECIMALS)}</stArea:y>`,
    `        <stArea:w>${area.w.toFixed(DECIMALS)}</stArea:w>`,
    `        <stArea:h>${area.h.toFixed(DECIMALS)}</stArea:h>`,
    '        <stArea:unit>normalized</stArea:unit>',
    '       </mwg-rs:Area>',
    '      </rdf:li>',
  ].join('\n');

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const signatureLine = (hex: string) =>
  ` <!-- written by immich-people export-xmp, which rewrites or removes this file only while it is as written: ` +
  `sha256:${hex} -->\n`;
const SIGNATURE = /^[ \t]*<!-- written by immich-people export-xmp, [^\n]*sha256:([0-9a-f]{64}) -->\n/m;

/**
 * Whether a sidecar is one we wrote and nobody has changed since: it carries our signature, the sha256 of the rest of
 * the file, and the rest still has that digest. The export may rewrite or remove such a file; any other (the user's
 * digiKam or darktable sidecar, or ours once another program saved it) it never touches. The signature does not
 * depend on the layout, so sidecars written before a change to the layout stay ours.
 */
export function isOurSidecar(text: string): boolean {
  const signature = SIGNATURE.exec(text);
  if (!signature) return false;
  const rest = text.slice(0, signature.index) + text.slice(signature.index + signature[0].length);
  return digest(rest) === signature[1];
}

/** The sidecar's text: a complete XMP packet with the regions and nothing else, signed (see isOurSidecar). */
export function buildRegionXmp(sidecar: RegionSidecar): string {
  const unsigned = [
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    `<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="${XMP_TOOLKIT}">`,
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    '    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"',
    '    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"',
    '    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#">',
    '   <mwg-rs:Regions rdf:parseType="Resource">',
    '    <mwg-rs:AppliedToDimensions rdf:parseType="Resource">',
    `     <stDim:w>${sidecar.width}</stDim:w>`,
    `     <stDim:h>${sidecar.height}</stDim:h>`,
    '     <stDim:unit>pixel</stDim:unit>',
    '    </mwg-rs:AppliedToDimensions>',
    '    <mwg-rs:RegionList>',
    '     <rdf:Bag>',
    ...sidecar.regions.map(region),
    '     </rdf:Bag>',
    '    </mwg-rs:RegionList>',
    '   </mwg-rs:Regions>',
    '  </rdf:Description>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
    '',
  ].join('\n');
  // the signature goes on the line after <x:xmpmeta>: an XML comment, which XMP readers skip
  const at = unsigned.indexOf('\n', unsigned.indexOf('<x:xmpmeta')) + 1;
  return `${unsigned.slice(0, at)}${signatureLine(digest(unsigned))}${unsigned.slice(at)}`;
}

/** What to do with one photo's sidecar file. */
export type SidecarAction =
  | 'create' // no sidecar yet: write ours
  | 'update' // ours, with other regions: rewrite it
  | 'unchanged' // ours, already saying this: leave it, byte for byte
  | 'remove' // ours, and no named face is left on the photo
  | 'foreign' // someone else's (or ours, edited since), where we have regions to write: never touched
  | 'none'; // nothing to write, and nothing of ours there

/** Decides from the wanted text (null: no named face) and the sidecar's current text (null: no file). */
export function sidecarAction(wanted: string | null, existing: string | null): SidecarAction {
  if (existing === null) return wanted === null ? 'none' : 'create';
  if (wanted !== null && existing === wanted) return 'unchanged';
  const ours = isOurSidecar(existing);
  if (wanted === null) return ours ? 'remove' : 'none';
  return ours ? 'update' : 'foreign';
}
