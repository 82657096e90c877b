import { AssetRepository } from './assets.js';
import { CheckpointRepository } from './checkpoints.js';
import { ConstraintRepository } from './constraints.js';
import { openDatabase, type Db } from './database.js';
import { EditStateRepository } from './edit-state.js';
import { HistoryRepository } from './history.js';
import { ImmichLinkRepository } from './immich.js';
import { LibraryRepository } from './libraries.js';
import { ObservationRepository } from './observations.js';
import { PeopleRepository } from './people.js';
import { RemovedLabelRepository } from './removed-labels.js';
import { ReviewQueries } from './review.js';
import { SuggestionRepository } from './suggestions.js';

/** The embedded store: one SQLite file, the truth for everything; indexes beside it are caches. */
export class Store {
  readonly assets: AssetRepository;
  readonly observations: ObservationRepository;
  readonly people: PeopleRepository;
  readonly constraints: ConstraintRepository;
  readonly suggestions: SuggestionRepository;
  readonly checkpoints: CheckpointRepository;
  readonly immich: ImmichLinkRepository;
  readonly libraries: LibraryRepository;
  readonly removedLabels: RemovedLabelRepository;
  /** The journal of edits to people, and the rows each touched (for undo). */
  readonly history: HistoryRepository;
  readonly editState: EditStateRepository;
  readonly review: ReviewQueries;

  private constructor(
    readonly path: string,
    private readonly db: Db,
  ) {
    this.assets = new AssetRepository(db);
    this.observations = new ObservationRepository(db);
    this.people = new PeopleRepository(db);
    this.constraints = new ConstraintRepository(db);
    this.suggestions = new SuggestionRepository(db);
    this.checkpoints = new CheckpointRepository(db);
    this.immich = new ImmichLinkRepository(db);
    this.libraries = new LibraryRepository(db);
    this.removedLabels = new RemovedLabelRepository(db);
    this.history = new HistoryRepository(db, (ids) => this.observations.currentIds(ids));
    this.editState = new EditStateRepository(db);
    this.review = new ReviewQueries(db);
  }

  static open(path: string): Store {
    return new Store(path, openDatabase(path));
  }

  /** Runs `work` atomically: a crash inside leaves the store as it was before. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    this.db.close();
  }
}
