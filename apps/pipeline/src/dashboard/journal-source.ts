import type { TuningLogger } from '@digitfuse/tuning';
import { JournalReader } from './journal-reader';
import type { SourceInfo, StudyData, StudySource } from './study-source';

/**
 * A run's study journal as a dashboard source: read (caught up with) on each `read`. It needs no
 * following of its own: the run's watcher (watcher.ts) sees the journal change with run.json.
 */
export class JournalSource implements StudySource {
  readonly info: SourceInfo;
  private readonly reader: JournalReader;

  /** With `exact`, only `study` is read (as `--study` asks), never another study of the journal. */
  constructor(journal: string, study: string, logger: TuningLogger, exact = false) {
    this.info = { kind: 'journal', place: journal, study };
    this.reader = new JournalReader(journal, study, logger, exact);
  }

  /** The studies the journal holds now (none while it has none, or does not exist yet). */
  studyNames(): string[] {
    return this.reader.studyNames();
  }

  read(): StudyData | null {
    return this.reader.read();
  }

  async start(): Promise<void> {
    // The run's watcher sees the journal.
  }

  async stop(): Promise<void> {
    // Nothing of its own to stop.
  }

  async close(): Promise<void> {
    this.reader.close();
  }
}
