import type { Store } from '../store/store.js';

/** Placeholder until the report lands: writes nothing yet. */
export async function writePeopleReport(_store: Store, _root: string, _path: string): Promise<void> {
  throw new Error('the HTML report is not built yet');
}
