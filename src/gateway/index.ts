// The gateway module's public face: protocol types, parsers, the typed error, redaction and the HTTP client.
export * from './types';
export * from './errors';
export * from './redact';
export * from './protocol';
export * from './client';
