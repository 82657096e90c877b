import type { PersonRow } from '../store/people.js';
import { UsageError } from './command-runner.js';

/** `p3 "Ann"`, or `p3` for a person without a name. */
export function describePerson(person: Pick<PersonRow, 'id' | 'name'>): string {
  return person.name ? `${person.id} "${person.name}"` : person.id;
}

const sameName = (a: string, b: string) => a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();

/**
 * The person `ref` means: an id, else a unique name (exact first, then ignoring case). Unknown and ambiguous
 * references are usage errors, so a typo never edits the wrong person.
 */
export function findPerson(people: readonly PersonRow[], ref: string): PersonRow {
  const byId = people.find((p) => p.id === ref);
  if (byId) return byId;
  const exact = people.filter((p) => p.name !== null && p.name === ref.trim());
  const matches = exact.length > 0 ? exact : people.filter((p) => p.name !== null && sameName(p.name, ref));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new UsageError(`no person with the id or name "${ref}" (immich-people people list shows them)`);
  }
  throw new UsageError(
    `"${ref}" is the name of ${matches.length} people (${matches.map((p) => p.id).join(', ')}): use an id`,
  );
}

/**
 * The name to give `person`, trimmed. Empty names are refused (clearing is `people unname`), and so is another
 * person's name unless `force`: two people of one name are usually one person to merge.
 */
export function checkNewName(people: readonly PersonRow[], person: PersonRow, name: string, force: boolean): string {
  const trimmed = name.trim();
  if (trimmed === '') {
    throw new UsageError(
      `a name cannot be empty; to clear ${person.id}'s name: immich-people people unname ${person.id}`,
    );
  }
  const other = people.find((p) => p.id !== person.id && p.name !== null && sameName(p.name, trimmed));
  if (other && !force) {
    throw new UsageError(
      `${describePerson(other)} already has that name: merge them (immich-people people merge ${other.id} ${person.id}) ` +
        'or add --force to keep two people of one name',
    );
  }
  return trimmed;
}
