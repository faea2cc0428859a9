/** Releases a response's connection without reading the body (a cancelled body may already be gone). */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
