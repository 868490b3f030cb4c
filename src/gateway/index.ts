// The gateway module's public face: protocol types, parsers, the typed error, redaction, the HTTP client,
// and the text/number rules the UI checks before sending.
export * from './types';
export * from './errors';
export * from './redact';
export * from './protocol';
export * from './client';
export * from './smsText';
export * from './validation';
export * from './countries';
