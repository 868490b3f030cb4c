// Text from users and the gateway made inert for Markdown (tooltips, the bulk report). Plain TypeScript.

/** Line ends made `\n`, and control characters other than tab and newline removed. */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** Every ASCII punctuation character backslash-escaped: no emphasis, link, autolink, HTML, entity, table cell or `$(icon)` can form. */
function escapePunctuation(line: string): string {
  return line.replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/**
 * Text made inert for Markdown: every ASCII punctuation character is backslash-escaped, leading
 * blanks become non-breaking spaces (no indented code block), and lines end in hard breaks.
 */
export function escapeMarkdown(text: string): string {
  return cleanText(text)
    .replace(/^(?:[ \t]*\n)+/, '') // a hard break cannot end or start a paragraph: drop blank edge lines
    .replace(/\s+$/, '')
    .split('\n')
    .map((line) => escapePunctuation(line).replace(/^[ \t]+/, (blanks) => '&nbsp;'.repeat(blanks.replace(/\t/g, '    ').length)))
    .join('\\\n');
}

/** The same escaping on one line (a table cell, a list item): line breaks become `newline`. */
export function escapeMarkdownLine(text: string, newline = ' '): string {
  return cleanText(text).split('\n').map(escapePunctuation).join(newline);
}
