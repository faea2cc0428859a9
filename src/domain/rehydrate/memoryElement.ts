/**
 * One stored value as prompt text, delimited so that a prompt builder (and
 * the model) can tell it from instructions:
 *
 *   <memory kind="KIND" NAME="VALUE" ...>CONTENT</memory>
 *
 * CONTENT escapes `&` `<` `>` as `&amp;` `&lt;` `&gt;`, so stored text can
 * never open or close an element: the only `<` in the chunk are the
 * delimiters' own. Attribute values escape the same three and `"` as
 * `&quot;`, and every control character (tab, CR, LF, ...) as `&#N;`, so a
 * value stays on the element's line and inside its quotes. Escaping was
 * chosen over a per-call random boundary because it is deterministic (the
 * same memory renders to the same text and tokens: prompt caches and token
 * counts stay stable), needs no secret the model must be told, and is undone
 * by any XML/HTML unescape. Attributes are written in the order given;
 * null ones are left out.
 */
export function memoryElement(
  kind: string,
  attributes: ReadonlyArray<readonly [name: string, value: string | number | null]>,
  content: string,
): string {
  let open = `<memory kind="${escapeAttribute(kind)}"`;
  for (const [name, value] of attributes) {
    if (value !== null) open += ` ${name}="${escapeAttribute(String(value))}"`;
  }
  return `${open}>${escapeContent(content)}</memory>`;
}

const contentEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

function escapeContent(text: string): string {
  return text.replace(/[&<>]/g, (character) => contentEscapes[character]!);
}

function escapeAttribute(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"\u0000-\u001f\u007f]/g, (character) =>
    character === '"' ? "&quot;" : (contentEscapes[character] ?? `&#${character.charCodeAt(0)};`),
  );
}
