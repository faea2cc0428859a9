import type { PeerCertificate } from "node:tls";
import { describe, expect, it } from "vitest";
import type { ClientIdentity } from "../config/loadClientIdentities.js";
import { principalFromPeerCertificate } from "./principalFromPeerCertificate.js";

const identities: ClientIdentity[] = [
  { cn: "ingest-worker", san: null, tenantId: "acme", role: "writer", userId: null },
  { cn: null, san: "URI:spiffe://acme/gateway", tenantId: "acme", role: "reader", userId: "u-42" },
  { cn: null, san: "DNS:admin.acme.test", tenantId: "acme", role: "admin", userId: null },
  { cn: null, san: "DNS:a,b", tenantId: "other", role: "admin", userId: null },
];

const certificate = (subject: Record<string, string | string[]>, subjectaltname?: string) =>
  ({ subject, ...(subjectaltname !== undefined ? { subjectaltname } : {}) }) as unknown as PeerCertificate;

describe("principalFromPeerCertificate", () => {
  it("maps a subject common name", () => {
    expect(principalFromPeerCertificate(certificate({ CN: "ingest-worker", O: "Acme" }), identities)).toEqual({
      tenantId: "acme",
      role: "writer",
      userId: null,
      subject: "cn=ingest-worker",
    });
  });

  it("maps a subjectAltName entry, whichever position it has", () => {
    const cert = certificate({ CN: "host-17" }, "DNS:host-17.acme.test, URI:spiffe://acme/gateway, IP Address:10.0.0.7");
    expect(principalFromPeerCertificate(cert, identities)).toEqual({
      tenantId: "acme",
      role: "reader",
      userId: "u-42",
      subject: "san=URI:spiffe://acme/gateway",
    });
  });

  it("reads Node's quoted SAN values, so a comma in a name cannot forge a second entry", () => {
    // Node writes a value with a comma as a JSON string: this certificate has
    // one DNS name "x, DNS:admin.acme.test", not the admin's name.
    const forged = certificate({ CN: "x" }, 'DNS:"x, DNS:admin.acme.test"');
    expect(principalFromPeerCertificate(forged, identities)).toBeNull();
    expect(principalFromPeerCertificate(certificate({ CN: "x" }, 'DNS:"a,b"'), identities)).toMatchObject({ tenantId: "other" });
  });

  it("is null for an unknown subject, no certificate, or an empty mapping", () => {
    expect(principalFromPeerCertificate(certificate({ CN: "stranger" }, "DNS:stranger.test"), identities)).toBeNull();
    expect(principalFromPeerCertificate(undefined, identities)).toBeNull();
    expect(principalFromPeerCertificate(null, identities)).toBeNull();
    expect(principalFromPeerCertificate(certificate({ CN: "ingest-worker" }), [])).toBeNull();
  });

  it("is null when the certificate matches two entries (ambiguous), and handles repeated CNs", () => {
    const both = certificate({ CN: "ingest-worker" }, "URI:spiffe://acme/gateway");
    expect(principalFromPeerCertificate(both, identities)).toBeNull();
    expect(principalFromPeerCertificate(certificate({ CN: ["other", "ingest-worker"] }), identities)).toMatchObject({ role: "writer" });
  });
});
