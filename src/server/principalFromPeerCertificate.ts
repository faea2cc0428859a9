import type { PeerCertificate } from "node:tls";
import type { ClientIdentity } from "../config/loadClientIdentities.js";

/** Who a verified client certificate stands for. */
export type CertificatePrincipal = {
  readonly tenantId: string;
  readonly role: ClientIdentity["role"];
  readonly userId: string | null;
  /** The entry that matched, as `cn=...` or `san=...`, for logs. */
  readonly subject: string;
};

/**
 * Maps a client certificate (grpc-js: `call.getAuthContext()?.sslPeerCertificate`,
 * set only when the TLS handshake verified it against LTST_TLS_CLIENT_CA_FILE)
 * to its principal. The subject's common name and every subjectAltName entry
 * are looked up; null when nothing matches, and also when two different
 * entries match (say one by CN, one by SAN): an ambiguous certificate gets no
 * identity rather than whichever was listed first.
 */
export function principalFromPeerCertificate(
  certificate: PeerCertificate | undefined | null,
  identities: readonly ClientIdentity[],
): CertificatePrincipal | null {
  if (!certificate || identities.length === 0) return null;
  const commonNames = toList(certificate.subject?.CN);
  const alternativeNames = splitSubjectAltName(certificate.subjectaltname ?? "");
  const matches = identities.filter(
    (identity) =>
      (identity.cn !== null && commonNames.includes(identity.cn)) ||
      (identity.san !== null && alternativeNames.includes(identity.san)),
  );
  if (matches.length !== 1) return null;
  const match = matches[0]!;
  return {
    tenantId: match.tenantId,
    role: match.role,
    userId: match.userId,
    subject: match.cn !== null ? `cn=${match.cn}` : `san=${match.san}`,
  };
}

/** Node gives a repeated RDN (two CNs) as an array. */
function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Node's subjectaltname: entries joined by ", ", each `TYPE:value`; a value
 * that contains a comma, quote or control character is written as a JSON
 * string (`DNS:"a,b"`), so a name cannot smuggle in a second entry.
 */
function splitSubjectAltName(text: string): string[] {
  const entries: string[] = [];
  let index = 0;
  while (index < text.length) {
    const colon = text.indexOf(":", index);
    if (colon === -1) break;
    const type = text.slice(index, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      // A JSON string: find its closing quote, skipping escaped characters.
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        return entries;
      }
      next = end + 1;
    } else {
      const comma = text.indexOf(", ", colon);
      next = comma === -1 ? text.length : comma;
      value = text.slice(colon + 1, next);
    }
    entries.push(`${type}:${value}`);
    index = next;
    if (text.startsWith(", ", index)) index += 2;
  }
  return entries;
}
