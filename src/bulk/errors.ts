// The one error type of the bulk core: a code the UI can act on, and where in the file it happened.
import { wordMessage, type CoreMessage } from '../gateway/messages';

export type BulkErrorCode =
  | 'csv-invalid' // the CSV cannot be read (unclosed quote, …)
  | 'csv-empty' // no rows at all
  | 'csv-too-large' // more rows or bytes than a bulk send takes
  | 'template-invalid' // unknown placeholder, unclosed `{{`, empty template
  | 'column-unknown' // the destination column is not in the file
  | 'batch-not-found'
  | 'batch-corrupt' // a batch file that cannot be read
  | 'batch-busy' // another window (or this one) is running the batch
  | 'batch-write' // the batch files cannot be written: nothing more is sent
  | 'row-already-sent'; // asked to send a row that was sent: never done

export class BulkError extends Error {
  readonly code: BulkErrorCode;
  /** 1-based line in the CSV file, when the problem has one. */
  readonly line?: number;
  /** The catalogue sentence the message is, for the UI to word in the user's language (`localized`). */
  readonly sentence?: CoreMessage;

  /** `message` is English text, or a catalogue sentence (the message is then its English wording). */
  constructor(code: BulkErrorCode, message: string | CoreMessage, line?: number) {
    super(typeof message === 'string' ? message : wordMessage(message));
    this.name = 'BulkError';
    this.code = code;
    this.line = line;
    if (typeof message !== 'string') this.sentence = message;
  }
}

export function isBulkError(e: unknown): e is BulkError {
  return e instanceof BulkError;
}
