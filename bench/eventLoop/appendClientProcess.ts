/**
 * The adversarial-append benchmark's client, in a process of its own, so
 * that building and encoding its messages costs the server's event loop
 * nothing: argv is the address, the user, the session, the kind of text and
 * the number of messages. It appends them one per call, then exits.
 */
import { createMemoryClient } from "../../src/client/index.js";

const [address, userId, sessionId, kind, countText] = process.argv.slice(2);
const count = Number(countText);
const letters = "abcdefghijklmnopqrstuvwxyz";
const prose = "The user asked about the booking and the assistant answered with two options near the station. ";

function text(i: number): string {
  const size = 65_536;
  if (kind === "word") return Array.from({ length: size }, (_, j) => letters[(i * 7 + j * j * 31 + j) % 26]).join("");
  if (kind === "letter") return letters[i % 26]!.repeat(size);
  return prose.repeat(Math.ceil(size / prose.length)).slice(0, size);
}

const client = createMemoryClient({ address: address!, defaultDeadlineMs: 120_000 });
try {
  for (let i = 0; i < count; i++) {
    await client.messages.appendMessages({ userId: userId!, sessionId: sessionId!, messages: [{ role: 1, content: text(i) }] });
  }
} finally {
  client.close();
}
