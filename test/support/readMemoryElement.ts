/**
 * A strict reader of the documented form: one element, attributes quoted,
 * no `<` in the content. It fails on anything else, so content that broke
 * out of its element would not parse, or would parse into other values.
 */
export function readMemoryElement(text: string): { kind: string; attributes: Record<string, string>; content: string } {
  const match = /^<memory kind="([^"<>]*)"((?: [a-z_]+="[^"<>\u0000-\u001f]*")*)>([^<>]*)<\/memory>$/su.exec(text);
  if (!match) throw new Error(`not one <memory> element: ${JSON.stringify(text)}`);
  const attributes: Record<string, string> = {};
  for (const [, name, value] of match[2]!.matchAll(/ ([a-z_]+)="([^"]*)"/g)) attributes[name!] = unescape(value!);
  return { kind: unescape(match[1]!), attributes, content: unescape(match[3]!) };
}

function unescape(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, "&");
}
