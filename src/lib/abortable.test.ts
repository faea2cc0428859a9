import { describe, expect, it, vi } from "vitest";
import { abortable } from "./abortable.js";

describe("abortable", () => {
  it("settles like the promise when the signal does not abort", async () => {
    const controller = new AbortController();
    await expect(abortable(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    const failure = new Error("failed");
    await expect(abortable(Promise.reject(failure), controller.signal)).rejects.toBe(failure);
  });

  it("rejects with the signal's reason as soon as it aborts, before the promise settles", async () => {
    const controller = new AbortController();
    const reason = new Error("deadline");
    const pending = abortable(new Promise<never>(() => {}), controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it("rejects with the reason when the signal has already aborted", async () => {
    const reason = new Error("cancelled");
    await expect(abortable(Promise.resolve(1), AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it("removes its listener once the promise settles", async () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, "removeEventListener");
    await abortable(Promise.resolve(1), controller.signal);
    expect(removed).toHaveBeenCalledTimes(1);
  });

  it("without a signal is the promise itself", () => {
    const promise = Promise.resolve(1);
    expect(abortable(promise, undefined)).toBe(promise);
  });
});
