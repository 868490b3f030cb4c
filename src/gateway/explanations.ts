// What a failed gateway call means for the user, as sentences of the core's catalogue (src/gateway/
// messages.ts): one per documented gateway code, one per way a call can fail on the way. The core words
// them in English (`GatewayError.explanation`, kept in the history); the UI words them again in the
// user's language from the code, or from that English text for errors stored without one.
import type { L10n } from './l10n';

type Sentence = (l10n: L10n) => string;

/** Each documented code, 1001..1043: what happened, then what to try. */
const CODE_SENTENCES: ReadonlyMap<number, Sentence> = new Map<number, Sentence>([
  [1001, (l10n) => l10n.t('The request reached the gateway without a user name. Set the user name of the account and try again.')],
  [1002, (l10n) => l10n.t('The request reached the gateway without a password. Enter the password of the account again.')],
  [1003, (l10n) => l10n.t('The message had no phone number to go to. Add at least one destination number.')],
  [1004, (l10n) => l10n.t('The gateway could not handle a destination number and did not say why. Check the number (country code, digits only) and try again; contact Inviosmart support if it persists.')],
  [1005, (l10n) => l10n.t('A destination number is not valid. Write it with the country code, digits only, without + or 00 (for example 393391234567).')],
  [1006, (l10n) => l10n.t('The sender name is too long. Shorten the sender name to at most 11 characters.')],
  [1007, (l10n) => l10n.t('The sender number is longer than the gateway accepts. Use a shorter sender number, or a sender name with letters (at most 11 characters).')],
  [1008, (l10n) => l10n.t('The message had no sender. Set a sender name (at most 11 characters, with letters).')],
  [1009, (l10n) => l10n.t('The text contains a character the gateway cannot send. Remove or replace special symbols (for example emoji) and send again.')],
  [1010, (l10n) => l10n.t('The gateway failed while handing the message on to the network. Check the message history before sending again, then try later; contact Inviosmart support if it keeps happening.')],
  [1011, (l10n) => l10n.t('Either the message text is empty, or a Greek destination number does not have 12 digits (the gateway uses this code for both). Write a message text, and check that Greek numbers have 12 digits (30 followed by 10 digits).')],
  [1012, (l10n) => l10n.t('The gateway did not accept the user name and password. Check the user name and password of the account (both are case-sensitive) and save them again.')],
  [1013, (l10n) => l10n.t('The account has no credit left. Top up the account on the Inviosmart website, then send again.')],
  [1014, (l10n) => l10n.t('The gateway could not match these credentials to a user. Check the user name of the account and enter the credentials again.')],
  [1015, (l10n) => l10n.t('The gateway refused the sender and did not say why. Try another sender name; contact Inviosmart support if it persists.')],
  [1016, (l10n) => l10n.t('The sender name needs letters, not only digits or symbols. Use a sender name that contains letters.')],
  [1017, (l10n) => l10n.t('The gateway does not deliver to this country or network. Check the country code; ask Inviosmart whether that destination is covered.')],
  [1018, (l10n) => l10n.t("The credit left does not cover this message at this destination's price. Top up the account, or send to fewer numbers.")],
  [1019, (l10n) => l10n.t('The gateway failed to record the send. Check the message history and the balance before trying again; contact Inviosmart support if it persists.')],
  [1020, (l10n) => l10n.t('The gateway could not price the message for this destination. Check the country code of the number; try later or contact Inviosmart support.')],
  [1021, (l10n) => l10n.t('The sender name contains characters the gateway does not allow. Use only plain letters and digits in the sender name (no accents or symbols).')],
  [1022, (l10n) => l10n.t('The gateway is holding the message until its cost is confirmed on the Inviosmart website; it has not been sent yet, and confirming it there sends it. Do not send it again from here: confirm or cancel it on the Inviosmart website.')],
  [1023, (l10n) => l10n.t('The credit left does not cover the message; it has not been sent. Top up the account and send again.')],
  [1024, (l10n) => l10n.t('The gateway rejected the message while validating it; it has not been sent. Check the destination, sender and text, then send again.')],
  [1025, (l10n) => l10n.t('The gateway could not check the account balance. Try again in a few minutes; contact Inviosmart support if it persists.')],
  [1026, (l10n) => l10n.t('The gateway queued the message in a batch that is about to be transmitted, but gave no message ID, so its delivery cannot be tracked here. Do not send it again; check the message log on the Inviosmart website.')],
  [1027, (l10n) => l10n.t('The status request had no message ID. Pick a message that has an SMS ID from the gateway.')],
  [1028, (l10n) => l10n.t('The gateway did not find the parameters it expects. Check the gateway URL settings (base URL and send URL).')],
  [1029, (l10n) => l10n.t('The text is longer than the gateway accepts. Shorten the text to at most 612 characters (4 SMS).')],
  [1031, (l10n) => l10n.t('The gateway is temporarily unavailable. Wait a few minutes and try again.')],
  [1032, (l10n) => l10n.t('The gateway could not take the message right now. Try again later.')],
  [1033, (l10n) => l10n.t('The credit left does not cover a number lookup (HLR). Top up the account, then try the lookup again.')],
  [1036, (l10n) => l10n.t('The gateway does not allow this sender name for the account. Use a sender name approved for the account, or ask Inviosmart to register it.')],
  [1038, (l10n) => l10n.t('The account is disabled. Contact Inviosmart support to have the account enabled again.')],
  [1039, (l10n) => l10n.t('A number given for a lookup (HLR) is not valid. Write each number with the country code, digits only, without + or 00.')],
  [1040, (l10n) => l10n.t('The lookup (HLR) request had no lookup ID. Give the ID the gateway returned for the lookup.')],
  [1041, (l10n) => l10n.t('The gateway knows no lookup (HLR) with that ID for this account. Check the lookup ID; it must come from this account.')],
  [1042, (l10n) => l10n.t('The gateway expected an API token and got none. This client signs in with user name and password; check the gateway URL settings (the endpoint set), or contact Inviosmart support.')],
  [1043, (l10n) => l10n.t('The gateway had an internal error. Try again later; contact Inviosmart support if it persists.')],
]);

/** The codes the catalogue explains, in order. */
export const EXPLAINED_CODES: readonly number[] = [...CODE_SENTENCES.keys()];

/** The explanation of every way a gateway call fails, keyed by what went wrong. */
export const GatewayExplanations = {
  gatewayCode: (l10n: L10n, code: number) =>
    CODE_SENTENCES.get(Number(code))?.(l10n) ??
    l10n.t('The gateway answered with code {0}, which its documentation does not list. Check the text it sent; contact Inviosmart support if it persists.', code),

  // Failures on the way (src/gateway/errors.ts, toGatewayError)
  callCancelledAfterSend: (l10n: L10n) => l10n.t('The send was cancelled after the request went out: the SMS may or may not have been sent. Check its status or the Inviosmart log before sending again.'),
  callCancelled: (l10n: L10n) => l10n.t('The call was cancelled before the gateway answered.'),
  callTimeoutAfterSend: (l10n: L10n) => l10n.t('The gateway did not answer in time after the request went out: the SMS may or may not have been sent. Check its status or the Inviosmart log before sending again.'),
  callTimeout: (l10n: L10n) => l10n.t('The gateway did not answer in time. Try again; if it keeps happening, raise the time-out in the settings.'),
  connectTimeout: (l10n: L10n) => l10n.t('Could not connect to the gateway in time; nothing was sent. Check the network or proxy settings and try again.'),
  certificateFailed: (l10n: L10n) => l10n.t('The secure connection to the gateway (or proxy) failed its certificate check; nothing was sent. Check the base URL, the proxy and the http.proxyStrictSSL setting.'),
  connectionRefused: (l10n: L10n) => l10n.t('The gateway refused the connection; nothing was sent. Check the base URL and the network, then try again.'),
  gatewayUnreachable: (l10n: L10n) => l10n.t('Could not reach the gateway; nothing was sent. Check the base URL, the network and the proxy settings.'),
  proxyRefused: (l10n: L10n) => l10n.t('The proxy refused to open a connection to the gateway; nothing was sent. Check the proxy settings.'),
  answerTooLong: (l10n: L10n) => l10n.t('The gateway sent a far longer answer than any it documents. Check the base URL.'),
  clientClosedAfterSend: (l10n: L10n) => l10n.t('The client shut down (window reload or settings change) after the request went out: the SMS may or may not have been sent. Check before sending again.'),
  clientClosed: (l10n: L10n) => l10n.t('The client shut down (window reload or settings change) before the gateway answered.'),
  requestUnbuildable: (l10n: L10n) => l10n.t('The gateway client could not make this request. Check the base URL and proxy settings.'),
  connectionBrokeAfterSend: (l10n: L10n) => l10n.t('The connection broke after the request went out: the SMS may or may not have been sent. Check its status or the Inviosmart log before sending again.'),
  connectionBroke: (l10n: L10n) => l10n.t('The connection to the gateway broke. Try again; check the network or proxy if it keeps happening.'),

  // HTTP errors and answers without a number (src/gateway/protocol.ts)
  httpRedirect: (l10n: L10n) => l10n.t('The gateway address redirects elsewhere. Check the base URL and send URL settings (for example http versus https).'),
  httpProxyAuth: (l10n: L10n) => l10n.t('The proxy asks for credentials. Check the proxy settings.'),
  httpTooManyNumbers: (l10n: L10n) => l10n.t('Too many numbers in one request: the gateway refused the request as too long, and nothing was sent. Send to fewer numbers at a time.'),
  httpRequestTooLong: (l10n: L10n) => l10n.t('The request was too long for the gateway; nothing was done.'),
  httpNotRecognised: (l10n: L10n) => l10n.t('The gateway address did not recognise this command. Check the base URL and send URL settings.'),
  httpTrouble: (l10n: L10n) => l10n.t('The gateway (or a proxy in between) is having trouble. Try again in a few minutes.'),
  httpError: (l10n: L10n) => l10n.t('The gateway answered with an HTTP error instead of a result. Check the base URL and proxy settings.'),
  unnumberedTemporary: (l10n: L10n) => l10n.t('The gateway reported a temporary failure. Try again in a few minutes.'),
  unnumberedRefused: (l10n: L10n) => l10n.t('The gateway refused the request with the message shown. Check the details you entered; contact Inviosmart support if the message is unclear.'),

  // Answers that cannot be read (src/gateway/protocol.ts, malformedError)
  answerEmpty: (l10n: L10n) => l10n.t('The gateway sent an empty answer.'),
  answerHtml: (l10n: L10n) => l10n.t('An HTML page came back instead of a gateway answer, often from a proxy, captive portal or wrong base URL. Check the base URL and proxy settings.'),
  answerUnreadableCharacters: (l10n: L10n) => l10n.t('The gateway answer contains unreadable characters.'),
  answerSeveralLines: (l10n: L10n) => l10n.t('The gateway sent several lines where one was expected.'),
  answerPartMissing: (l10n: L10n) => l10n.t('Part of the gateway answer is missing.'),
  answerIncompleteSuccess: (l10n: L10n) => l10n.t('The gateway answer looks like a success but is incomplete.'),
  answerOneIdForMany: (l10n: L10n, destinations: number) => l10n.t('The gateway returned one message ID for {0} destinations.', destinations),
  answerCountMismatch: (l10n: L10n, answers: number, destinations: number) =>
    l10n.t('The gateway returned {0} answers for {1} destinations, so they cannot be matched.', answers, destinations),
  answerStatusCode: (l10n: L10n) => l10n.t('The gateway answered with a status code where a status line was expected.'),
  answerStatusFields: (l10n: L10n, fields: number) => l10n.t('The status answer has {0} fields instead of 7 (cut short or changed format).', fields),
  answerStatusUnreadableId: (l10n: L10n) => l10n.t('The status answer has an unreadable SMS ID.'),
  answerStatusUnreadableSubmitted: (l10n: L10n) => l10n.t('The status answer has an unreadable submission time.'),
  answerStatusUnreadableChanged: (l10n: L10n) => l10n.t('The status answer has an unreadable time of the last change.'),
  answerStatusUnreadableStatus: (l10n: L10n) => l10n.t('The status answer has an unreadable status number.'),
  answerStatusUnreadableCount: (l10n: L10n) => l10n.t('The status answer has an unreadable SMS count.'),
  answerStatusUnreadableCharge: (l10n: L10n) => l10n.t('The status answer has an unreadable charge.'),
  answerOtherSms: (l10n: L10n, answered: number, asked: number) => l10n.t('The gateway answered about SMS {0} when asked about SMS {1}.', answered, asked),
  answerBalanceIncomplete: (l10n: L10n) => l10n.t('The balance answer is incomplete (cut short or changed format).'),
  answerBalanceLowCost: (l10n: L10n) => l10n.t('The balance answer has an unreadable low-cost SMS count.'),

  // Sends that stopped part-way (src/history/outcome.ts, src/history/dispatch.ts, src/bulk/runner.ts)
  fewerAnswers: (l10n: L10n) => l10n.t('The gateway answered for fewer destinations than were sent; this one may or may not have been sent.'),
  notSentHistoryFailed: (l10n: L10n, request: number, total: number) =>
    l10n.t('Not sent: the message history could not be saved before request {0} of {1}, so it and the numbers after it were not sent.', request, total),
  notSentAfterFailure: (l10n: L10n, request: number, total: number) =>
    l10n.t('Not sent: request {0} of {1} failed, so the numbers after it were not sent.', request, total),
  bulkHistoryUnwritable: (l10n: L10n) => l10n.t('The message history could not be written, so nothing more was sent.'),
  bulkBatchUnwritable: (l10n: L10n) => l10n.t('The batch file could not be written, so nothing more was sent.'),
  bulkNoAnswers: (l10n: L10n, requests: number) =>
    l10n.t('{0} requests in a row got no answer, so the batch stopped. Check the gateway and the network, then resume.', requests),

  // Refused before anything was sent: the client's own checks (src/gateway/client.ts, wire.ts).
  configNoDestination: (l10n: L10n) => l10n.t('Add at least one destination number.'),
  configBadDestination: (l10n: L10n) => l10n.t('Write each number with the country code, digits only, without + or 00 (for example 393391234567).'),
  configNoSender: (l10n: L10n) => l10n.t('Set a sender name (at most 11 characters, with letters).'),
  configNoText: (l10n: L10n) => l10n.t('Write the message text.'),
  configBadPricecat: (l10n: L10n) => l10n.t('Use 1 for the low-cost route, or leave it out.'),
  configBadSmsId: (l10n: L10n) => l10n.t('The SMS ID must be the positive whole number the gateway returned when sending.'),
  configBadCountryPrefix: (l10n: L10n) => l10n.t('Use the country calling code in digits, for example 39.'),
  configNoUsername: (l10n: L10n) => l10n.t('Set the user name of the account.'),
  configNoPassword: (l10n: L10n) => l10n.t('Enter the password of the account.'),
  configBaseUrlNotHttp: (l10n: L10n) => l10n.t('Set the base URL to an http:// or https:// address.'),
  configSendUrlNotHttp: (l10n: L10n) => l10n.t('Set the send URL to an http:// or https:// address.'),
  configBaseUrlQuery: (l10n: L10n, example: string) => l10n.t('Set the base URL to the gateway address only, for example {0}', example),
  configClientClosed: (l10n: L10n) => l10n.t('Reload the window to start a new client.'),
  configBrokenCharacter: (l10n: L10n) => l10n.t('The text cannot be encoded for the gateway. Remove the broken character and try again.'),
  configCharsetCannotCarry: (l10n: L10n) => l10n.t('Replace or remove them, or choose a UTF-8 send endpoint in the settings (inviosmart.send.charset).'),

  // Added after another sentence when a send may have gone out anyway.
  maybeSent: (l10n: L10n) => l10n.t('The SMS may or may not have been sent: check before sending again.'),
  maybeSentCheckLog: (l10n: L10n) => l10n.t('The SMS may or may not have been sent: check its status or the Inviosmart log before sending again.'),
} as const;

/** The sentences that only ever follow another one (`explanationMessages` splits them off). */
export const EXPLANATION_SUFFIXES = ['maybeSent', 'maybeSentCheckLog'] as const;
