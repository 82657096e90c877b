import type { Store } from '../../store/store.js';
import type { ImmichClient, PersonResponseDto } from './client.js';

/** Our id for the local twin of an Immich person someone else made (the user, Immich's clustering, a face import). */
export function twinId(immichId: string): string {
  return `immich-${immichId}`;
}

/**
 * The local person that stands for an Immich person: the one linked to it, or else a twin made and linked on first
 * use, so that the faces Immich shows on that person land on one person of ours. Immich's people are read once, when
 * the first twin is needed; one instance serves one cycle.
 */
export class ImmichTwins {
  private immichPeople: Map<string, PersonResponseDto> | null = null;

  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
  ) {}

  /** Immich's people by id, read on first use. */
  async people(): Promise<ReadonlyMap<string, PersonResponseDto>> {
    this.immichPeople ??= new Map((await this.client.allPeople()).map((p) => [p.id, p]));
    return this.immichPeople;
  }

  /** Our person for `immichId`; null when Immich no longer has that person. */
  async of(immichId: string): Promise<string | null> {
    const linked = this.store.immich.byImmichId(immichId);
    if (linked) return linked.personId;
    const person = (await this.people()).get(immichId) ?? (await this.client.person(immichId));
    if (!person) return null;
    const id = twinId(immichId);
    if (!this.store.people.get(id)) this.store.people.create({ id, name: person.name || null });
    this.store.immich.linkPerson(id, immichId, person.name || null, person.isHidden);
    return id;
  }
}
