// A real forward proxy on 127.0.0.1 for the proxy tests (unit and in VS Code): absolute-URI requests are forwarded,
// CONNECT is tunnelled, and every request it handled is recorded, so a test can say which went through it.
// Options: `credentials` answers 407 unless Proxy-Authorization matches; `inspect` (a certificate and key) makes it
// a TLS-inspecting proxy: it answers CONNECT itself, decrypts with that certificate and forwards the requests over
// plain http to the target, as corporate proxies do with a root the company's computers trust.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

export interface ProxiedRequest {
  /** 'GET' for a forwarded request (or one read inside an inspected tunnel), 'CONNECT' for a tunnel. */
  method: string;
  /** The absolute URL of a forwarded request, `host:port` for CONNECT. */
  target: string;
  proxyAuthorization?: string;
  /** True for a request read inside a tunnel the proxy decrypted. */
  inspected?: boolean;
}

export interface ForwardProxy {
  url: string;
  port: number;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/** The test CA and the 127.0.0.1 certificate it signed (test/shared/tls). */
export function testTls(root: string): { ca: string; cert: string; key: string; caFile: string } {
  const dir = path.join(root, 'test', 'shared', 'tls');
  const read = (name: string): string => fs.readFileSync(path.join(dir, name), 'utf8');
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), caFile: path.join(dir, 'ca.pem') };
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, target: URL): void {
  const headers = { ...req.headers };
  delete headers['proxy-authorization'];
  delete headers['proxy-connection'];
  const out = http.request(
    { host: target.hostname, port: target.port || 80, path: `${target.pathname}${target.search}`, method: req.method, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end('proxy: upstream failed');
  });
  req.pipe(out);
}

export async function startForwardProxy(
  options: { credentials?: string; inspect?: { cert: string; key: string } } = {},
): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const allowed = (auth: string | undefined): boolean => !options.credentials || auth === options.credentials;

  // Requests read inside an inspected tunnel: forwarded to the CONNECT target over plain http.
  const inner = http.createServer((req, res) => {
    const target = new URL(`http://${(req.socket as tls.TLSSocket & { proxyTarget?: string }).proxyTarget}${req.url}`);
    requests.push({ method: req.method ?? '', target: `https://${target.host}${req.url}`, inspected: true });
    forward(req, res, target);
  });

  const server = http.createServer((req, res) => {
    const auth = req.headers['proxy-authorization'];
    requests.push({ method: req.method ?? '', target: req.url ?? '', proxyAuthorization: auth });
    if (!allowed(auth)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"' });
      res.end('proxy: authentication required');
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400);
      res.end('proxy: absolute URL expected');
      return;
    }
    forward(req, res, target);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const auth = req.headers['proxy-authorization'];
    requests.push({ method: 'CONNECT', target: req.url ?? '', proxyAuthorization: auth });
    if (!allowed(auth)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    if (options.inspect) {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const secure = new tls.TLSSocket(client, { isServer: true, cert: options.inspect.cert, key: options.inspect.key });
      (secure as tls.TLSSocket & { proxyTarget?: string }).proxyTarget = req.url;
      secure.on('error', () => client.destroy());
      inner.emit('connection', secure);
      return;
    }
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      inner.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
