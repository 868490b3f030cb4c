// The bulk send and export core: plain Node, no 'vscode'. The UI lives in src/commands/bulk.ts and export.ts.
export * from './errors';
export * from './csv';
export * from './csvFile';
export * from './template';
export * from './prepare';
export * from './plan';
export * from './clock';
export * from './batchStore';
export * from './runner';
export * from './export';
