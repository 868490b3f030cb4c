/**
 * Every command id the extension registers, in one place: the palette, the tree, the panel, the
 * status bar and the tasks all name commands through this object. Commands that act on one message
 * take its history key (string) or an object with a `key` field as first argument.
 * `balanceActions` and `whenHistoryLoaded` are internal (no palette entry); all the others are contributed in package.json
 * (test/unit/commandIds.test.ts keeps the two lists equal).
 */
export const CommandIds = {
  sendSms: 'inviosmart.sendSms',
  sendSelection: 'inviosmart.sendSelection',
  checkStatus: 'inviosmart.checkStatus',
  refreshStatus: 'inviosmart.refreshStatus',
  refreshBalance: 'inviosmart.refreshBalance',
  balanceActions: 'inviosmart.balanceActions',
  showHelp: 'inviosmart.showHelp',
  signIn: 'inviosmart.signIn',
  signOut: 'inviosmart.signOut',
  switchAccount: 'inviosmart.switchAccount',
  openPanel: 'inviosmart.openPanel',
  openEntryInPanel: 'inviosmart.openEntryInPanel',
  resend: 'inviosmart.resend',
  copyId: 'inviosmart.copyId',
  copyText: 'inviosmart.copyText',
  deleteEntry: 'inviosmart.deleteEntry',
  showLog: 'inviosmart.showLog',
  toggleGroupBy: 'inviosmart.history.toggleGroupBy',
  showMore: 'inviosmart.history.showMore',
  sendBulk: 'inviosmart.sendBulk',
  resumeBulk: 'inviosmart.resumeBulk',
  saveBulkReport: 'inviosmart.saveBulkReport',
  exportHistory: 'inviosmart.exportHistory',
  textMeWhenTaskEnds: 'inviosmart.textMeWhenTaskEnds',
  /** Resolves (with nothing) once the history's first load has ended: for tests and the activation bench. */
  whenHistoryLoaded: 'inviosmart.whenHistoryLoaded',
} as const;

/** Commands registered by the extension but not contributed to package.json (no palette entry). */
export const InternalCommandIds: readonly string[] = [CommandIds.balanceActions, CommandIds.whenHistoryLoaded];
