import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BALANCE_FILE, BalanceBroadcast, parseSharedBalance, type SharedBalance } from '../../src/balance/balanceBroadcast';
import { removeDir, tempDir } from './fixtures/historyHelpers';

const report = { balance: 12.34, smsRemainCount: 224, countryprefix: '39', raw: 'Status: 1000 - Balance:12.34|SmsRemainCount:224' };

function next(b: BalanceBroadcast): Promise<SharedBalance> {
  return new Promise((resolve) => {
    const d = b.onDidReceive((v) => {
      d.dispose();
      resolve(v);
    });
  });
}

describe('BalanceBroadcast (balance changes shared between windows)', () => {
  let dir: string;
  const open: BalanceBroadcast[] = [];
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    for (const b of open.splice(0)) b.dispose();
    removeDir(dir);
  });
  const make = (): BalanceBroadcast => {
    const b = new BalanceBroadcast(dir);
    open.push(b);
    return b;
  };

  it('a balance one window publishes reaches another through the watched file, not its own window', async () => {
    const a = make();
    const b = make();
    const mine: SharedBalance[] = [];
    a.onDidReceive((v) => mine.push(v));
    const received = next(b);
    await a.publish({ account: 'acct-1', report, countryPrefix: '39', at: 1_000 });
    assert.deepEqual(await received, { account: 'acct-1', report, countryPrefix: '39', at: 1_000 });
    await a.check();
    assert.deepEqual(mine, [], 'a window does not hear its own broadcast');
    assert.deepEqual(fs.readdirSync(dir), [BALANCE_FILE]);
  });

  it('carries no credentials, and torn or foreign files are ignored', async () => {
    const a = make();
    await a.publish({ account: 'acct-1', report, at: 5 });
    const text = fs.readFileSync(path.join(dir, BALANCE_FILE), 'utf8');
    assert.doesNotMatch(text, /password|username/i);
    assert.equal(parseSharedBalance(text.slice(0, text.length - 3)), undefined);
    assert.equal(parseSharedBalance('{"account":"a","from":"x","at":1,"report":{"balance":"lots","raw":""}}'), undefined);
    assert.equal(parseSharedBalance('null'), undefined);
  });

  it('a publish that cannot write (folder is a file) reports and does not throw', async () => {
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    const errors: unknown[] = [];
    const b = new BalanceBroadcast(file, { onError: (e) => errors.push(e) });
    open.push(b);
    await b.publish({ account: 'acct-1', report, at: 1 });
    assert.equal(errors.length, 1);
  });
});
