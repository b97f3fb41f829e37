/**
 * Model files name their nodes; those names are untrusted. The DOM code only ever puts them in
 * textContent / attribute values; these helpers cover the places that build text formats by hand.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For XML/HTML text and attribute values (the exported SVG). Also drops XML-invalid control chars. */
export function escapeXml(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A Markdown table cell: pipes and newlines would break the table, HTML would render in previews. */
export function escapeMarkdownCell(s: string): string {
  return escapeXml(s).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, '\\`').replace(/\r?\n/g, ' ');
}

/** RFC 4180 field; cells starting with = + - @ are prefixed so spreadsheets do not run them as formulas. */
export function escapeCsvField(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
