// A hostile second extension, installed from its own .vsix beside Inviosmart SMS in the integration suite.
// It tries every way an installed extension has to reach the Inviosmart passwords or to make Inviosmart
// write a file where the user did not choose: it walks (and calls the readers of) whatever `activate`
// exports, runs every Inviosmart command with crafted arguments (paths, URIs, {unmasked: true}, getters
// that change their answer, a Proxy that answers anything), looks for a webview message channel, asks its
// own SecretStorage for Inviosmart's keys, and reads Inviosmart's storage folder on disk. It never prints a
// password: the report says where one was found and in which spelling.
'use strict';
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const nodeProcess = require('node:process');
const path = require('node:path');
const vscode = require('vscode');

const TARGET_ID = 'inviosmart-sms-team.inviosmart-sms';
/** Functions worth calling on whatever is reachable: the ones that read. */
const READER = /^(get|list|all|active|find|credentials?|secrets?|password|for[A-Z]|gatewayClient|sandbox|snapshot|stats|load|read|entries|current|peek|toJSON)/;
const MAX_OBJECTS = 4000;
const MAX_DEPTH = 10;
const CALL_TIMEOUT_MS = 2000;
/** How long a command may wait for its questions to be dismissed before it counts as waiting for the user. */
const COMMAND_BUDGET_MS = 2500;

/** The spellings a password can take on its way out. */
function spellings(secret) {
  return [...new Set([secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)])];
}

function settle(promise, ms) {
  let timer;
  return Promise.race([
    Promise.resolve(promise).then((value) => ({ settled: true, value }), (error) => ({ settled: true, value: error })),
    new Promise((resolve) => { timer = setTimeout(() => resolve({ settled: false }), ms); }),
  ]).finally(() => clearTimeout(timer));
}

function isClass(fn) {
  try {
    return /^class\b/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}

function describe(args) {
  return args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : a && typeof a === 'object' ? (a.id ? `{id:${a.id}}` : '{…}') : String(a))).join(', ');
}

class Report {
  constructor(canaries) {
    this.forms = canaries.flatMap(spellings);
    this.found = [];
    this.objects = 0;
    this.calls = 0;
    this.accounts = new Map();
    this.webview = [];
  }

  check(text, where, how) {
    if (typeof text !== 'string' || text.length === 0) return;
    const i = this.forms.findIndex((f) => text.includes(f));
    if (i >= 0) this.found.push({ where, how, spelling: i });
  }
}

/** Breadth-first over everything reachable from `root`: own and inherited properties, getters, Map/Set contents, promises, and the results of reader functions. */
async function walk(root, name, report) {
  const seen = new Set();
  const queue = [{ v: root, where: name, depth: 0 }];
  let objects = 0;
  // One password is enough: stop there (walking on into everything an unwrapped service reaches can take the host down).
  while (queue.length > 0 && objects < MAX_OBJECTS && report.found.length === 0) {
    const { v, where, depth } = queue.shift();
    if (typeof v === 'string') {
      report.check(v, where, 'string');
      continue;
    }
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) continue;
    // Node's own objects (the process, streams, watchers, sockets, timers' lists) hold no password of the
    // extension's; walking on into them only reaches the whole runtime and can take the host down.
    if (v === globalThis || v === nodeProcess || v instanceof EventEmitter) continue;
    seen.add(v);
    objects++;
    report.objects++;
    if (ArrayBuffer.isView(v)) {
      report.check(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'), where, 'bytes');
      continue;
    }
    const proto = typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
    if (proto === Object.prototype || proto === null || Array.isArray(v)) {
      try {
        report.check(JSON.stringify(v), where, 'JSON.stringify');
      } catch {
        // cycles and BigInts: the walk below still sees every field
      }
      if (typeof v.id === 'string' && typeof v.username === 'string') report.accounts.set(v.id, v);
    }
    if (typeof v.postMessage === 'function') report.webview.push(where);
    if (depth >= MAX_DEPTH) continue;
    if (typeof v.then === 'function') {
      const r = await settle(v, CALL_TIMEOUT_MS);
      if (r.settled) queue.push({ v: r.value, where: `${where}<resolved>`, depth: depth + 1 });
    }
    if (v instanceof Map) for (const [k, val] of v) queue.push({ v: k, where: `${where}<key>`, depth: depth + 1 }, { v: val, where: `${where}<value>`, depth: depth + 1 });
    if (v instanceof Set) for (const val of v) queue.push({ v: val, where: `${where}<item>`, depth: depth + 1 });
    for (let o = v; o && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
      for (const key of Reflect.ownKeys(o)) {
        if (key === 'constructor' || key === 'caller' || key === 'arguments' || key === 'prototype' && typeof v !== 'function') continue;
        const at = `${where}.${String(key)}`;
        const d = Object.getOwnPropertyDescriptor(o, key);
        let value;
        try {
          value = d.get ? d.get.call(v) : d.value;
        } catch (e) {
          value = e;
        }
        if (typeof value === 'function' && !isClass(value) && READER.test(String(key))) {
          for (const args of argumentsFor(report)) {
            report.calls++;
            let r;
            try {
              r = await settle(Promise.resolve().then(() => value.apply(v, args)), CALL_TIMEOUT_MS);
            } catch (e) {
              r = { settled: true, value: e };
            }
            if (r.settled) queue.push({ v: r.value, where: `${at}(${describe(args)})`, depth: depth + 1 });
          }
        }
        queue.push({ v: value, where: at, depth: depth + 1 });
      }
    }
  }
}

/** No arguments, then each account seen so far: the object, its id, and the SecretStorage key of its password. */
function argumentsFor(report) {
  const sets = [[]];
  for (const [id, account] of report.accounts) sets.push([account], [id], [`inviosmart.account.${id}.password`]);
  return sets;
}

/** Runs a command and, like a user pressing Escape, closes whatever it asks until it returns or the budget is spent. */
async function runDismissing(command, args) {
  let settled = false;
  const ran = Promise.resolve(vscode.commands.executeCommand(command, ...args)).then(
    (value) => ({ value }),
    (error) => ({ value: error }),
  ).finally(() => { settled = true; });
  const started = Date.now();
  while (!settled && Date.now() - started < COMMAND_BUDGET_MS) {
    await new Promise((r) => setTimeout(r, 150));
    if (settled) break;
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('notifications.clearAll');
  }
  return settled ? { settled: true, value: (await ran).value } : { settled: false };
}

function craftedArguments(outDir, report) {
  const uri = (name) => vscode.Uri.file(path.join(outDir, name));
  let reads = 0;
  const changing = {
    format: 'csv',
    // Masked when checked, unmasked and aimed at a file when used.
    get maskNumbers() { return reads++ < 1; },
    get maskTexts() { return reads < 2; },
    get target() { return reads++ < 2 ? undefined : uri('getter.csv'); },
  };
  const anything = new Proxy({}, {
    get: (_t, key) => (key === 'then' || typeof key === 'symbol' ? undefined : key === 'format' ? 'csv' : key.startsWith('mask') ? false : uri(`proxy-${String(key)}.csv`)),
    has: () => true,
  });
  const sets = [
    [],
    [uri('as-uri.csv')],
    [uri('as-path.csv').fsPath],
    [uri('as-string-uri.csv').toString()],
    [{ target: uri('target.csv'), format: 'csv', maskNumbers: false, maskTexts: false, unmasked: true, masked: false }],
    [{ target: uri('target-string.json').toString(), path: uri('path.json').fsPath, uri: uri('uri.json'), file: uri('file.json').fsPath, format: 'json', maskNumbers: false, maskTexts: false }],
    [{ keys: [], batchId: 'x', target: uri('keys.csv'), format: 'csv', maskNumbers: false, maskTexts: false }],
    [changing],
    [anything],
    [{ id: 'sandbox', key: 'sandbox', account: 'sandbox' }],
  ];
  for (const id of report.accounts.keys()) sets.push([id], [{ id }]);
  return sets;
}

function filesUnder(dir, depth = Infinity) {
  const out = [];
  const visit = (d, level = 0) => {
    let names = [];
    try {
      names = fs.readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const full = path.join(d, n);
      const st = fs.lstatSync(full);
      if (st.isDirectory()) {
        if (level < depth) visit(full, level + 1);
      } else {
        out.push({ file: full, size: st.size });
      }
    }
  };
  visit(dir);
  return out;
}

/**
 * The attack. `canaries` are the passwords the suite signed in with (to recognise them), `outDir` an empty
 * folder every crafted target points into, `watch` the other places a file must not appear (the save
 * dialog's default folder); `only: 'exports'` stops after the exports.
 */
async function attack(context, options) {
  const report = new Report(options.canaries);
  const target = vscode.extensions.getExtension(TARGET_ID);
  if (!target) throw new Error(`${TARGET_ID} is not installed`);

  // 1. Exports, twice: the second round calls the readers with every account the first one found.
  const exported = await target.activate();
  const exportsKind = exported === undefined ? 'undefined' : exported === null ? 'null' : typeof exported;
  await walk(exported, 'exports', report);
  await walk(target.exports, 'extension.exports', report);
  if (report.accounts.size > 0) {
    await walk(exported, 'exports(2nd)', report);
  }

  if (options.only === 'exports' || report.found.length > 0) return { exportsKind, objectsWalked: report.objects, readerCalls: report.calls, accountsSeen: report.accounts.size, found: report.found, written: [] };

  // 2. Every command of theirs, with crafted arguments.
  const commands = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('inviosmart.'));
  // Folders (their top level) where a file must not appear either, such as the save dialog's default.
  const before = new Map((options.watch ?? []).map((d) => [d, new Set(filesUnder(d, 0).map((f) => f.file))]));
  let settled = 0;
  let waiting = 0;
  for (const command of commands) {
    for (const args of craftedArguments(options.outDir, report)) {
      const r = await runDismissing(command, args);
      if (!r.settled) {
        waiting++;
        continue;
      }
      settled++;
      await walk(r.value, `command ${command}(${describe(args)})`, report);
    }
  }

  // 3. Their secrets through this extension's own SecretStorage (VS Code keeps each extension's apart).
  const secretsRead = [];
  for (const id of [...report.accounts.keys(), 'sandbox']) {
    const value = await context.secrets.get(`inviosmart.account.${id}.password`);
    if (value !== undefined) secretsRead.push(id);
    report.check(value, `own SecretStorage inviosmart.account.${id}.password`, 'secrets.get');
  }

  // 4. Their storage folder on disk: history, batches, exports (a password must be in none of them).
  const storage = path.join(path.dirname(context.globalStorageUri.fsPath), TARGET_ID);
  const onDisk = filesUnder(storage);
  for (const f of onDisk) {
    if (f.size <= 64 * 1024 * 1024) report.check(fs.readFileSync(f.file).toString('utf8'), f.file, 'file on disk');
  }

  // 5. A webview message channel: only reachable through an object with postMessage above.
  const webviewTabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && /inviosmart/i.test(t.input.viewType)).length;

  const written = filesUnder(options.outDir).map((f) => f.file);
  for (const [dir, had] of before) for (const f of filesUnder(dir, 0)) if (!had.has(f.file)) written.push(f.file);
  return {
    exportsKind,
    objectsWalked: report.objects,
    readerCalls: report.calls,
    accountsSeen: report.accounts.size,
    commands: commands.length,
    commandRuns: settled + waiting,
    commandsSettled: settled,
    commandsWaitingForUser: waiting,
    secretsRead,
    storageFiles: onDisk.length,
    webviewChannels: report.webview,
    webviewTabs,
    found: report.found,
    written,
  };
}

exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('inviosmartAdversary.attack', (options) => attack(context, options)));
};

exports.deactivate = () => undefined;
