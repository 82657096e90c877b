import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { EditResult, ReviewEditor } from '../service/review-editor.js';

const faces = z.array(z.number().int().positive()).min(1).max(10_000);
const bodies = {
  name: z.object({ name: z.string().max(200).nullable() }),
  hide: z.object({ hidden: z.boolean() }),
  cover: z.object({ face: z.number().int().positive() }),
  merge: z.object({ from: z.string().min(1) }),
  move: z.object({ faces, to: z.string().min(1).nullable(), name: z.string().max(200).nullable().optional() }),
  faces: z.object({ faces }),
};

/** The error a refused edit answers with: 400 for a bad request, 409 when the store refused it. */
class BadRequest extends Error {}

async function body<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new BadRequest('the request body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BadRequest(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/**
 * The edits the page makes, as JSON POSTs. Only same-origin JSON is accepted: a form on another site cannot send
 * application/json without a CORS preflight this server never grants, and browsers mark cross-site requests.
 */
export function editRoutes(editor: ReviewEditor): Hono {
  const api = new Hono();
  api.use(async (c, next) => {
    if (!(c.req.header('content-type') ?? '').startsWith('application/json')) {
      return c.json({ error: 'edits are JSON requests from the review page' }, 415);
    }
    if (c.req.header('sec-fetch-site') === 'cross-site')
      return c.json({ error: 'cross-site requests are refused' }, 403);
    return next();
  });
  api.onError((error, c) => {
    if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
    return c.json({ error: error.message }, 409);
  });
  /** The edit's answer: its undo (the newest entry of the history), and what it did beyond the store. */
  const done = (c: Context, result: EditResult, extra: Record<string, unknown> = {}) => {
    const [last] = editor.history(1);
    return c.json({
      ok: true,
      undo: last && !last.undone && last.undoable ? last.id : null,
      note: result.note ?? null,
      ...extra,
    });
  };

  api.post('/people/:id/name', async (c) => {
    const { name } = await body(c, bodies.name);
    return done(c, await editor.name(c.req.param('id'), name && name.trim() ? name.trim() : null));
  });
  api.post('/people/:id/hide', async (c) => {
    return done(c, await editor.hide(c.req.param('id'), (await body(c, bodies.hide)).hidden));
  });
  api.post('/people/:id/cover', async (c) => {
    return done(c, await editor.setCover(c.req.param('id'), (await body(c, bodies.cover)).face));
  });
  api.post('/people/:id/merge', async (c) => {
    return done(c, await editor.merge(c.req.param('id'), (await body(c, bodies.merge)).from));
  });
  api.post('/faces/move', async (c) => {
    const { faces: ids, to, name } = await body(c, bodies.move);
    const result = await editor.move(ids, to, name?.trim() ? name.trim() : null);
    return done(c, result, { person: result.person });
  });
  api.post('/faces/remove', async (c) => {
    return done(c, await editor.remove((await body(c, bodies.faces)).faces));
  });
  api.post('/faces/dismiss', async (c) => {
    return done(c, await editor.dismiss((await body(c, bodies.faces)).faces));
  });
  api.post('/suggestions/:id/accept', async (c) => {
    return done(c, await editor.accept(Number(c.req.param('id'))));
  });
  api.post('/suggestions/:id/reject', async (c) => {
    return done(c, await editor.reject(Number(c.req.param('id'))));
  });
  api.post('/proposals/:id/accept', async (c) => {
    if (!editor.acceptProposal) throw new BadRequest(`face proposals are made only against Immich in suggest mode`);
    return done(c, await editor.acceptProposal(Number(c.req.param('id'))));
  });
  api.post('/proposals/:id/reject', async (c) => {
    if (!editor.rejectProposal) throw new BadRequest(`face proposals are made only against Immich in suggest mode`);
    return done(c, await editor.rejectProposal(Number(c.req.param('id'))));
  });
  api.post('/history/:id/undo', async (c) => {
    const result = await editor.undo(Number(c.req.param('id')));
    return c.json({ ok: true, undo: null, note: result.note ?? null });
  });
  return api;
}
