import { describe, expect, it, vi } from "vitest";
import { onAbort } from "./onAbort.js";

describe("onAbort", () => {
  it("calls the listener once with the reason when the signal aborts", () => {
    const controller = new AbortController();
    const listener = vi.fn();
    onAbort(controller.signal, listener);
    expect(listener).not.toHaveBeenCalled();
    const reason = new Error("deadline");
    controller.abort(reason);
    controller.abort(new Error("again"));
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith(reason);
  });

  it("calls the listener synchronously when the signal has already aborted", () => {
    const reason = new Error("gone");
    const listener = vi.fn();
    onAbort(AbortSignal.abort(reason), listener);
    expect(listener).toHaveBeenCalledWith(reason);
  });

  it("does not call the listener after it was removed, and removing twice is harmless", () => {
    const controller = new AbortController();
    const listener = vi.fn();
    const dispose = onAbort(controller.signal, listener);
    dispose();
    dispose();
    controller.abort();
    expect(listener).not.toHaveBeenCalled();
  });

  it("leaves no listener behind on a long-lived signal", () => {
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, "addEventListener");
    const removed = vi.spyOn(controller.signal, "removeEventListener");
    for (let i = 0; i < 3; i++) onAbort(controller.signal, () => {})();
    expect(removed.mock.calls.map((call) => call[1])).toEqual(added.mock.calls.map((call) => call[1]));
  });

  it("without a signal registers nothing", () => {
    const listener = vi.fn();
    onAbort(undefined, listener)();
    expect(listener).not.toHaveBeenCalled();
  });
});
