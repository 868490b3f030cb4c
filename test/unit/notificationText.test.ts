import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { inertNotificationText } from '../../src/common/notificationText';

// VS Code's notification link syntax: [label](https://…|command:…|file:…), optionally with a title.
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/;

describe('inertNotificationText', () => {
  it('breaks command, web and file links and keeps the text as it reads', () => {
    for (const text of ['Error: [click](command:workbench.action.quit)', '[prize](https://127.0.0.1:9/evil "t")', 'see [f](file:///etc/passwd)']) {
      const out = inertNotificationText(text);
      assert.doesNotMatch(out, NOTIFICATION_LINK, out);
      assert.equal(out.replace(/\u200B/g, ''), text);
    }
  });

  it('leaves text without a link alone', () => {
    assert.equal(inertNotificationText('SMS sent to 393331234567 (ID 12). [1/2]'), 'SMS sent to 393331234567 (ID 12). [1/2]');
  });

  it('no input leaves a link VS Code would render, and removing the added spaces gives the input back', () => {
    const piece = fc.constantFrom('[', ']', '(', ')', 'command:x', 'https://h', 'file:/f', ' ', 'a', '"', '\u200B');
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }).map((a) => a.join('')), (text) => {
      const out = inertNotificationText(text);
      assert.doesNotMatch(out, NOTIFICATION_LINK);
      assert.equal(out.length - text.length, (text.match(/\](?=\()/g) ?? []).length);
    }));
  });
});
