// Another extension can edit the user's settings. When it points inviosmart.gateway.* at its own host and a
// command then runs, the stored password must stay here: each account goes only to the gateway origins it was
// signed in against, and the user is told in words what changed and what to do. The "other host" is a second
// real sandbox on 127.0.0.1 that would accept the password, so any request reaching it is counted.
import * as assert from 'node:assert/strict';
import { SANDBOX_ACCOUNT_ID } from '../../src/credentials/types';
import { SandboxGateway } from '../../src/sandbox/server';
import { startForwardProxy } from '../shared/forwardProxy';
import { Notices, TESTER, TesterGateway, scriptedSend, setUserSetting } from './helpers';

suite('A gateway address changed behind the user\'s back (real extension host, real sandboxes)', () => {
  let gw: TesterGateway;
  let other: SandboxGateway;

  setup(async function () {
    this.timeout(60_000);
    gw = await TesterGateway.start({ balance: 10 });
    other = await SandboxGateway.start({ port: 0, accounts: [{ username: TESTER.username, password: TESTER.password, balance: 999 }] });
  });

  teardown(async () => {
    await setUserSetting('gateway.baseUrl', gw.sandbox.url);
    await setUserSetting('gateway.sendUrl', undefined);
    await gw.close();
    await other.close();
  });

  const send = (notices: Notices) =>
    scriptedSend(gw.api, { destinations: '+39 333 7654321', sender: 'Shop', message: 'Where does this go?', confirm: true }, notices.notify);

  for (const key of ['gateway.baseUrl', 'gateway.sendUrl'] as const) {
    test(`${key} moved to another host: Send SMS and the balance refuse, say what changed, and the host gets nothing`, async function () {
      this.timeout(60_000);
      const moved = key === 'gateway.baseUrl' ? other.url : `${other.url}/sendsms/`;
      await setUserSetting(key, moved);
      const sendsBefore = gw.sandbox.requestCount('send');

      const notices = new Notices();
      assert.equal(await send(notices).run(), undefined, 'a send was made');
      const told = notices.last();
      assert.equal(told.kind, 'warning');
      assert.match(told.text, /password was not sent/);
      assert.ok(told.text.includes(other.url), `the new address is named: ${told.text}`);
      assert.ok(told.text.includes(gw.sandbox.url), `the checked address is named: ${told.text}`);
      assert.match(told.text, /Inviosmart: Sign In" again/);
      assert.deepEqual(told.actions, ['Sign In']);

      const state = await gw.api.accounts.balance.refresh();
      assert.equal(state.kind, 'signedOut');
      assert.match(state.kind === 'signedOut' ? state.reason ?? '' : '', /password was not sent/);

      assert.equal(other.requestCount(), 0, 'the other host received a request with the password');
      assert.equal(gw.sandbox.requestCount('send'), sendsBefore);
      assert.ok(!gw.entries().some((e) => e.destination === '393337654321'), 'a history entry for a send that never left');
    });
  }

  test('a session taken before the change cannot carry the password to the new host either', async () => {
    const session = await gw.api.accounts.sessions.forActive();
    await setUserSetting('gateway.baseUrl', other.url);
    const refused = (e: Error & { kind?: string; explanation?: string }): boolean =>
      e.name === 'GatewayError' && e.kind === 'config' && /password was not sent/.test(e.explanation ?? '');
    await assert.rejects(session.client.balance(session.credentials), refused);
    await assert.rejects(session.client.send(session.credentials, { destinations: ['393337654321'], sender: 'Shop', message: 'x' }), refused);
    assert.equal(other.requestCount(), 0);
  });

  test('back at the address it was checked against, it works again; signing in at the new one binds that one', async () => {
    await setUserSetting('gateway.baseUrl', other.url);
    await assert.rejects(gw.api.accounts.sessions.forActive(), (e: Error) => e.name === 'GatewayMovedError');
    await setUserSetting('gateway.baseUrl', gw.sandbox.url);
    assert.equal((await gw.api.accounts.balance.refresh()).kind, 'ok');

    await setUserSetting('gateway.baseUrl', other.url);
    assert.equal(other.requestCount(), 0);
    await gw.rebind();
    const state = await gw.api.accounts.balance.refresh();
    assert.equal(state.kind, 'ok');
    assert.equal(state.kind === 'ok' ? state.report.balance : undefined, 999, 'the balance came from the new address');
  });

  test('http.proxy set behind the user\'s back (a proxy that would read the plain-http requests): refused, the proxy sees nothing', async function () {
    this.timeout(60_000);
    const proxy = await startForwardProxy();
    try {
      await setUserSetting('proxy', proxy.url, 'http');
      const state = await gw.api.accounts.balance.refresh();
      assert.equal(state.kind, 'signedOut');
      assert.ok(state.kind === 'signedOut' && (state.reason ?? '').includes(`${proxy.url} (proxy)`), JSON.stringify(state));
      const notices = new Notices();
      assert.equal(await send(notices).run(), undefined);
      assert.match(notices.last().text, /http\.proxy/);
      assert.deepEqual(proxy.requests, [], 'the proxy saw a request');
    } finally {
      await setUserSetting('proxy', undefined, 'http');
      await proxy.close();
    }
  });

  test('the Sandbox account is exempt: it never leaves this extension host', async () => {
    await setUserSetting('gateway.baseUrl', other.url);
    await gw.api.accounts.accounts.setActive(SANDBOX_ACCOUNT_ID);
    assert.equal((await gw.api.accounts.balance.refresh()).kind, 'ok');
    assert.equal(other.requestCount(), 0);
  });
});
