/** `remotePath` under `baseUrl`, each path segment percent-encoded (a trailing slash on the base is ignored). */
export function joinUrl(baseUrl: string, remotePath: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${remotePath.split("/").map(encodeURIComponent).join("/")}`;
}
