// Command ids shared by the palette, the tree, the panel and the status bar.
/**
 * Command ids shared by the tree, the panel and the palette. Commands that act on one message take
 * its history key (string) or an object with a `key` field as first argument.
 */
export const CommandIds = {
  sendSms: 'inviosmart.sendSms',
  sendSelection: 'inviosmart.sendSelection',
  checkStatus: 'inviosmart.checkStatus',
  refreshStatus: 'inviosmart.refreshStatus',
  refreshBalance: 'inviosmart.refreshBalance',
  showHelp: 'inviosmart.showHelp',
  signIn: 'inviosmart.signIn',
  signOut: 'inviosmart.signOut',
  switchAccount: 'inviosmart.switchAccount',
  openPanel: 'inviosmart.openPanel',
  resend: 'inviosmart.resend',
  copyId: 'inviosmart.copyId',
  copyText: 'inviosmart.copyText',
  deleteEntry: 'inviosmart.deleteEntry',
  showLog: 'inviosmart.showLog',
} as const;
