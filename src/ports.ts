/**
 * The engine's two ports (see docs/architecture.md). A source brings photos in; a host is where people go back and
 * where the user's own edits come from. Folders and Immich implement them; the engine (service/engine.ts) is the only
 * code that drives them. Types and two names only: every folder may import this file.
 */

/** One photo as a source lists it. */
export interface SourceAsset {
  /** The photo's identity within its source: a path relative to the folder, or an Immich asset id. */
  readonly id: string;
  /** A content checksum known without loading the bytes (Immich's), or null when only loading tells (folders). */
  readonly checksum: string | null;
  /** ms since epoch, or null. */
  readonly capturedAt: number | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
}

/** The bytes perception decodes, and what loading them told about the photo. */
export interface LoadedAsset {
  readonly bytes: Buffer;
  /** Identifies the content: a file's sha256, or the checksum the source listed. */
  readonly contentHash: string;
  readonly capturedAt: number | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
}

export interface SourceListing {
  readonly assets: readonly SourceAsset[];
  /** True when every photo of the library is listed, so a stored photo missing from the listing is gone. */
  readonly complete: boolean;
  /** Photos known to be gone (an incremental listing's trash). */
  readonly removed: readonly string[];
  /** Called once every listed photo was analysed: the source may move its checkpoint. */
  commit(): void;
  /**
   * Ids, and folder prefixes of ids (a stored id is under prefix p when it starts with `p/`), that the listing could
   * not see (an unreadable folder, a broken link): stored photos there are neither removed nor analysed.
   */
  readonly unlisted?: readonly string[];
  /** What the listing passed over and why (unreadable folders, FIFOs, devices, broken links), for the user. */
  readonly skipped?: readonly SkippedEntry[];
}

export interface SkippedEntry {
  /** Relative to the library's root. */
  readonly path: string;
  readonly reason: string;
}

export interface Source {
  /** The store's name for this library's photos ('folder', 'immich'). */
  readonly name: string;
  /**
   * Where the library lives (a folder's absolute root); the store records each location as a library of its own.
   * A source with a location names photos by where they lie in it, so the engine finds a photo that moved by its
   * content, keeps the people of removed photos by their content, and guards against mass removal. Absent: the source
   * is its store's one library and its ids are stable (Immich).
   */
  readonly location?: string;
  /** A photo that failed is tried again at every pass, or after a growing back-off (1, 2, 4 … minutes). */
  readonly retryFailed: 'every-pass' | 'backoff';
  list(): Promise<SourceListing>;
  load(asset: SourceAsset): Promise<LoadedAsset>;
  /** An error after which no other photo can succeed either (a revoked key): the pass stops with it. */
  isFatal(error: unknown): boolean;
}

/** A face the host left unassigned that our gallery put on one of its people: proposed to the user. */
export interface FaceProposal {
  observationId: number;
  /** The host's asset id. */
  asset: string;
  personId: string;
  name: string | null;
}

/** The user's edits to people, applied to the store as constraints every re-cluster keeps. */
export interface PeopleEditor {
  name(personId: string, name: string | null): void;
  merge(into: string, from: string): void;
  split(observationId: number): void;
  /** Accepts an open merge suggestion: its two people become one. */
  accept(suggestionId: number): void;
}

export interface UserEdits<Summary> {
  /** New labels the user made on analysed photos (faces on a person, a name tag): the people must be re-clustered. */
  readonly relabelled: boolean;
  readonly summary: Summary;
}

/** Where people go back (Immich), and where the user's edits made there come from. */
export interface Host<EditSummary, ApplySummary> {
  /**
   * 'manage': our recognition decides the people and the host is told; 'suggest': the host's people stand, we only
   * assign unknown faces and suggest merges, and nothing is written to the host.
   */
  readonly mode: 'manage' | 'suggest';
  /**
   * Reads what the user did since the last cycle: labels on the photos analysed whose labels were not read yet
   * (`unread`, source ids: this cycle's, and any an earlier cycle analysed but died before reading), renames, moves
   * and deletions.
   */
  readUserEdits(unread: readonly string[], editor: PeopleEditor): Promise<UserEdits<EditSummary>>;
  /** Brings the host in line with the store; each write exactly once. */
  apply(): Promise<ApplySummary>;
}

/** One line of the history page: a user's or the machine's change. */
export interface HistoryItem {
  id: number;
  at: number;
  actor: 'user' | 'machine';
  kind: string;
  summary: string;
  undone: boolean;
  undoable: boolean;
}

/** What an edit did beyond the store, in words for the page ("Immich shows it too", "here only: …"); often empty. */
export interface EditResult {
  note?: string;
}

/**
 * How the review page's edits reach the people: straight into the store for a folder library (constraints every
 * re-cluster keeps), or through Immich's API when Immich holds the truth. Every method may refuse with an Error whose
 * message the page shows as it is.
 */
export interface ReviewEditor {
  /** Where edits go, in words for the page ("this store", "Immich (manage mode)"). */
  readonly describe: string;
  name(personId: string, name: string | null): Promise<EditResult>;
  hide(personId: string, hidden: boolean): Promise<EditResult>;
  setCover(personId: string, observationId: number): Promise<EditResult>;
  merge(into: string, from: string): Promise<EditResult>;
  /** Onto `to`, or a new person (named `name`) when `to` is null; returns the person's id. */
  move(
    observationIds: readonly number[],
    to: string | null,
    name: string | null,
  ): Promise<EditResult & { person: string }>;
  /** "Not this person": each face leaves its person for good. */
  remove(observationIds: readonly number[]): Promise<EditResult>;
  /** "Not a face". */
  dismiss(observationIds: readonly number[]): Promise<EditResult>;
  accept(suggestionId: number): Promise<EditResult>;
  reject(suggestionId: number): Promise<EditResult>;
  undo(editId: number): Promise<EditResult>;
  history(limit: number): HistoryItem[];
  /**
   * Faces the host left unassigned that we would put on one of its people (a host that keeps its own people):
   * `limit` of them from `offset`, oldest first, and how many there are.
   */
  proposals?(page: { offset: number; limit: number }): { total: number; items: FaceProposal[] };
  /** Puts a proposed face on its person, in the host too. */
  acceptProposal?(observationId: number): Promise<EditResult>;
  /** Not that person: remembered, so the face is not proposed for them again. */
  rejectProposal?(observationId: number): Promise<EditResult>;
}

/** The store's own editor, as a host's editor wraps it. */
export interface LocalReviewEditor extends ReviewEditor {
  /** Why undoing `editId` would be refused now, or null when it would go through. Changes nothing. */
  undoRefusal(editId: number): string | null;
}

/** The store's names for the two sources' photos. */
export const FOLDER_SOURCE = 'folder';
export const IMMICH_SOURCE = 'immich';
