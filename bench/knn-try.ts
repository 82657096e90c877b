/**
 * `node dist/bench/knn-try.js SIZE [PROBES [LISTS]]`: times knnTable alone on the synthetic faces and measures its
 * recall against exact search on 100 faces, overall and for neighbours within cos >= 0.5 (those pass 1 can use).
 */
import { syntheticFaces, mulberry32 } from './cluster-data.js';
import { knnTable } from '../src/service/knn-tables.js';
import { tableNeighbours } from '../src/recognition/knn.js';
import { bruteForceSearch } from '../src/recognition/neighbours.js';
import { row } from '../src/recognition/vectors.js';

const size = Number(process.argv[2] ?? 100000);
const probes = Number(process.argv[3] ?? 8);
const lists = process.argv[4] ? Number(process.argv[4]) : undefined;
const { set } = syntheticFaces({ faces: size, seed: 1 }, true);
const t0 = performance.now();
const c0 = process.cpuUsage();
const table = knnTable(set.faces, set.clearFace, 16, { ivf: { probes, ...(lists ? { lists } : {}) } });
const c = process.cpuUsage(c0);
const ms = performance.now() - t0;
const exact = bruteForceSearch(set.faces, set.clearFace);
const rand = mulberry32(7);
let hit = 0,
  total = 0,
  nearHit = 0,
  nearTotal = 0;
for (let q = 0; q < 100; q++) {
  const i = Math.floor(rand() * size);
  if (!set.clearFace[i]) continue;
  const want = exact(row(set.faces, i), 17)
    .filter((nb) => nb.index !== i)
    .slice(0, 16);
  const got = new Set(tableNeighbours(table, i).map((nb) => nb.index));
  for (const nb of want) {
    total++;
    if (got.has(nb.index)) hit++;
    if (nb.distance <= 0.5) {
      nearTotal++;
      if (got.has(nb.index)) nearHit++;
    }
  }
}
console.log(
  JSON.stringify({
    size,
    probes,
    lists,
    wallS: ms / 1000,
    cpuS: (c.user + c.system) / 1e6,
    recall: hit / total,
    nearRecall: nearHit / nearTotal,
    near: nearTotal,
    rssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
