import { describe, expect, it } from "vitest";

import { createProgressBar } from "./progressBar.js";

function fakeStream(isTTY: boolean, columns = 100) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns,
    write(chunk: string | Uint8Array): boolean {
      writes.push(String(chunk));
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, writes, text: () => writes.join("") };
}

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("createProgressBar on a TTY", () => {
  it("redraws a single line with bar, percent, MB and MB/s, and ends it when the file completes", () => {
    const { stream, writes, text } = fakeStream(true);
    const time = clock();
    const bar = createProgressBar(stream, { now: time.now });

    bar({ file: "model.onnx", receivedBytes: 0, totalBytes: 90_000_000 });
    time.advance(2_000);
    bar({ file: "model.onnx", receivedBytes: 45_000_000, totalBytes: 90_000_000 });
    time.advance(2_000);
    bar({ file: "model.onnx", receivedBytes: 90_000_000, totalBytes: 90_000_000 });
    bar.done();

    expect(writes[1]).toMatch(/^\rmodel\.onnx \[#{15}-{15}\]  50% 45\.0\/90\.0 MB 22\.5 MB\/s\x1b\[K$/);
    expect(writes[2]).toMatch(/100% 90\.0\/90\.0 MB 22\.5 MB\/s/);
    // One line per file: carriage returns between redraws, a single newline at the end.
    expect(text().split("\n")).toHaveLength(2);
    expect(text().endsWith("\n")).toBe(true);
  });

  it("throttles redraws", () => {
    const { stream, writes } = fakeStream(true);
    const time = clock();
    const bar = createProgressBar(stream, { now: time.now, redrawIntervalMs: 100 });

    bar({ file: "model.onnx", receivedBytes: 0, totalBytes: 1_000_000 });
    for (let i = 1; i < 10; i++) {
      time.advance(10);
      bar({ file: "model.onnx", receivedBytes: i * 1000, totalBytes: 1_000_000 });
    }
    expect(writes).toHaveLength(1);
    time.advance(100);
    bar({ file: "model.onnx", receivedBytes: 20_000, totalBytes: 1_000_000 });
    expect(writes).toHaveLength(2);
  });

  it("starts a new line for each file and measures speed from the resume point", () => {
    const { stream, text } = fakeStream(true);
    const time = clock();
    const bar = createProgressBar(stream, { now: time.now });

    bar({ file: "tokenizer.json", receivedBytes: 0, totalBytes: 1_000 });
    bar({ file: "tokenizer.json", receivedBytes: 1_000, totalBytes: 1_000 });
    bar({ file: "model.onnx", receivedBytes: 40_000_000, totalBytes: 90_000_000 });
    time.advance(1_000);
    bar({ file: "model.onnx", receivedBytes: 50_000_000, totalBytes: 90_000_000 });
    bar.done();

    const lines = text().split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("tokenizer.json");
    expect(lines[1]).toContain("55% 50.0/90.0 MB 10.0 MB/s");
  });

  it("shows MB and speed without a bar when the size is unknown", () => {
    const { stream, writes } = fakeStream(true);
    const time = clock();
    const bar = createProgressBar(stream, { now: time.now });
    bar({ file: "blob", receivedBytes: 0, totalBytes: null });
    time.advance(1_000);
    bar({ file: "blob", receivedBytes: 3_000_000, totalBytes: null });
    expect(writes.at(-1)).toMatch(/^\rblob 3\.0 MB 3\.0 MB\/s\x1b\[K$/);
  });

  it("fits narrow terminals", () => {
    const { stream, writes } = fakeStream(true, 30);
    const bar = createProgressBar(stream, { now: clock().now });
    bar({ file: "model_quantized.onnx", receivedBytes: 1, totalBytes: 23_000_000 });
    const line = writes[0]!.replace("\r", "").replace("\x1b[K", "");
    expect(line.length).toBeLessThan(30);
  });
});

describe("createProgressBar on a pipe", () => {
  it("prints plain lines: start, every 10%, done", () => {
    const { stream, writes } = fakeStream(false);
    const time = clock();
    const bar = createProgressBar(stream, { now: time.now });

    bar({ file: "model.onnx", receivedBytes: 0, totalBytes: 1_000_000 });
    for (let received = 10_000; received <= 1_000_000; received += 10_000) {
      time.advance(10);
      bar({ file: "model.onnx", receivedBytes: received, totalBytes: 1_000_000 });
    }
    bar.done();

    expect(writes[0]).toBe("downloading model.onnx (1.0 MB)\n");
    expect(writes.every((w) => !w.includes("\r") && w.endsWith("\n"))).toBe(true);
    // Start + 9 intermediate steps (10%..90%) + done.
    expect(writes).toHaveLength(11);
    expect(writes[5]).toMatch(/^model\.onnx:  50% 0\.5\/1\.0 MB \d+\.\d MB\/s\n$/);
    expect(writes.at(-1)).toMatch(/^model\.onnx: 100% 1\.0\/1\.0 MB .* done\n$/);
  });

  it("mentions a resumed download and prints every 10 MB when the size is unknown", () => {
    const { stream, writes } = fakeStream(false);
    const bar = createProgressBar(stream, { now: clock().now });
    bar({ file: "blob", receivedBytes: 5_000_000, totalBytes: null });
    bar({ file: "blob", receivedBytes: 9_000_000, totalBytes: null });
    bar({ file: "blob", receivedBytes: 10_500_000, totalBytes: null });
    expect(writes).toEqual(["downloading blob (unknown size, resuming at 5.0 MB)\n", expect.stringMatching(/^blob: 10\.5 MB/)]);
  });
});
