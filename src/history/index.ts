// The message history: model, durable store shared by every window, and the live status poller.
export * from './types';
export * from './events';
export * from './merge';
export * from './store';
export * from './poller';
