// Where a bulk send's CSV comes from: the file the command was given, the active editor, or a file
// the user picks; read with the size and file-type checks of src/bulk (never a pipe, never too big).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BulkError, decodeCsvBytes, MAX_CSV_BYTES, readCsvFile, type CsvFileRead } from '../bulk';
import type { BulkPrompts } from './bulkPrompts';

/** A CSV to send: its file name and its text. */
export interface BulkSource {
  name: string;
  text: string;
}

function csvLike(doc: vscode.TextDocument): boolean {
  return ['csv', 'tsv', 'csv (semicolon)', 'csv (pipe)'].includes(doc.languageId.toLowerCase()) || /\.(csv|tsv)$/i.test(doc.fileName);
}

/**
 * The CSV to send: `uri`, else the active editor's CSV if the user wants it, else a file they pick. An open
 * editor's unsaved text wins over the file on disk. Undefined when cancelled.
 */
export async function pickSource(prompts: Pick<BulkPrompts, 'source' | 'openFile'>, uri: vscode.Uri | undefined): Promise<BulkSource | undefined> {
  if (!uri) {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && csvLike(doc)) {
      const choice = await prompts.source(path.basename(doc.fileName));
      if (choice === undefined) return undefined;
      if (choice === 'active') return { name: path.basename(doc.fileName), text: doc.getText() };
    }
    uri = await prompts.openFile();
    if (!uri) return undefined;
  }
  // An open editor may hold unsaved changes: they are what the user sees, so they are what is sent.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri?.toString());
  const name = path.posix.basename(uri.path);
  if (open) return { name, text: open.getText() };
  return { name, text: decodeCsvBytes(await readSourceBytes(uri, name)) };
}

/**
 * The CSV file's bytes, checked before they are read: a folder, a pipe or a device is refused (reading one
 * could wait forever), and so is a file over the size limit, with what to do about it.
 */
async function readSourceBytes(uri: vscode.Uri, name: string): Promise<Uint8Array> {
  let read: CsvFileRead;
  if (uri.scheme === 'file') {
    read = await readCsvFile(uri.fsPath);
  } else {
    const st = await vscode.workspace.fs.stat(uri);
    read = st.type & vscode.FileType.Directory ? { ok: false, reason: 'folder' }
      : !(st.type & vscode.FileType.File) ? { ok: false, reason: 'not-a-file' }
      : st.size > MAX_CSV_BYTES ? { ok: false, reason: 'too-large', size: st.size, max: MAX_CSV_BYTES }
      : { ok: true, bytes: await vscode.workspace.fs.readFile(uri) };
  }
  if (read.ok) return read.bytes;
  switch (read.reason) {
    case 'folder':
      throw new BulkError('csv-invalid', vscode.l10n.t('"{0}" is a folder. Choose a CSV file.', name));
    case 'not-a-file':
      throw new BulkError('csv-invalid', vscode.l10n.t('"{0}" is not a regular file (it is a pipe, a socket or a device). Save the data to a CSV file and choose that.', name));
    case 'too-large': {
      const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
      throw new BulkError('csv-too-large', vscode.l10n.t('"{0}" is {1} MB; a bulk send reads at most {2} MB. Split it into smaller files.', name, mb(read.size), mb(read.max)));
    }
  }
}
