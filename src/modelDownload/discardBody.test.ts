import { describe, expect, it } from "vitest";

import { discardBody } from "./discardBody.js";

describe("discardBody", () => {
  it("cancels an unread body, and tolerates a consumed or missing one", async () => {
    let cancelled = false;
    const stream = new ReadableStream({
      pull(controller) {
        controller.enqueue(new Uint8Array(1));
      },
      cancel() {
        cancelled = true;
      },
    });
    await discardBody(new Response(stream));
    expect(cancelled).toBe(true);

    const consumed = new Response("x");
    await consumed.text();
    await expect(discardBody(consumed)).resolves.toBeUndefined();
    await expect(discardBody(new Response(null, { status: 204 }))).resolves.toBeUndefined();
  });
});
