// The entry of dist/undici.js: only the parts of undici the gateway client uses (src/gateway/proxy.ts:
// Agent, ProxyAgent, and Dispatcher with its request API, which undici's own index adds the same way).
// undici's index also loads fetch, WebSocket, EventSource, the caches, the mocks and the interceptors:
// its require took ~47 ms of the extension host's thread in one task (Node 24), this one ~21 ms.
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import api from 'undici/lib/api/index.js';

Object.assign(Dispatcher.prototype, api);

export { Agent, Dispatcher, ProxyAgent };
