/**
 * The number of Unicode code points in `text` (what `[...text].length`
 * gives), without allocating: a surrogate pair counts once, a lone
 * surrogate once. On a 64 KiB message the spread allocates 65,536 strings,
 * and a 1 MiB batch of them is a garbage-collection pause on the event loop.
 */
export function codePointLength(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs += 1;
        i += 1;
      }
    }
  }
  return text.length - pairs;
}
