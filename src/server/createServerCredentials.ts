import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { ConfigError } from "../config/loadConfig.js";

export type TlsFiles = {
  certFile: string;
  keyFile: string;
  /** Set: mutual TLS; a client must present a certificate this CA bundle verifies. */
  clientCaFile?: string | undefined;
  /** How often the files are read again. */
  reloadIntervalMs: number;
};

export type ServerCredentialsLog = (level: "info" | "error", message: string, fields: Record<string, unknown>) => void;

/**
 * The gRPC server credentials: plaintext when `tls` is null, else TLS (and
 * mutual TLS with a client CA) from files that are read again every
 * `reloadIntervalMs`, so a renewed certificate is served without a restart.
 *
 * The files are read and checked once here, synchronously, so a wrong path or
 * a key that does not belong to the certificate stops the start-up with a
 * ConfigError naming the variable, instead of a server that drops every
 * connection.
 *
 * grpc-js's FileWatcherCertificateProvider re-reads the files; between it and
 * the server sits a provider that passes on only a certificate, key and CA
 * that make a valid TLS context together. grpc-js alone would install a
 * half-written or mismatched pair (a renewal caught mid-copy) and then refuse
 * every new connection until the next read; here the server keeps the last
 * good set and the error is logged.
 */
export function createServerCredentials(tls: TlsFiles | null, log: ServerCredentialsLog = () => {}): grpc.ServerCredentials {
  if (tls === null) return grpc.ServerCredentials.createInsecure();
  const initial = checkFilesNow(tls);
  const watcher = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    ...(tls.clientCaFile !== undefined ? { caCertificateFile: tls.clientCaFile } : {}),
    refreshIntervalMs: tls.reloadIntervalMs,
  });
  const provider = validatingProvider(watcher, initial, log);
  // grpc-js 1.14's createCertificateProviderServerCredentials hands its first
  // argument to the constructor's identity slot and its second to the CA slot
  // (its .d.ts names them the other way round). Passing the one provider in
  // both places (mTLS), or provider then null (TLS only), is right either way.
  const mutual = tls.clientCaFile !== undefined;
  return grpc.experimental.createCertificateProviderServerCredentials(provider, mutual ? provider : null, mutual);
}

/** The files as read now; throws naming the variables when they are not a usable set-up. */
function checkFilesNow(tls: TlsFiles): { identity: IdentityUpdate; ca: CaUpdate | null } {
  const read = (variable: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError([{ variable, message: `cannot read ${file}: ${(error as Error).message}` }]);
    }
  };
  const cert = read("LTST_TLS_CERT_FILE", tls.certFile);
  const key = read("LTST_TLS_KEY_FILE", tls.keyFile);
  const ca = tls.clientCaFile !== undefined ? read("LTST_TLS_CLIENT_CA_FILE", tls.clientCaFile) : undefined;
  const problem = contextProblem(cert, key, ca);
  if (problem !== null) {
    const others = ca ? "LTST_TLS_KEY_FILE and LTST_TLS_CLIENT_CA_FILE" : "LTST_TLS_KEY_FILE";
    throw new ConfigError([{ variable: "LTST_TLS_CERT_FILE", message: `with ${others}, not a usable TLS set-up: ${problem}` }]);
  }
  return { identity: { certificate: cert, privateKey: key }, ca: ca ? { caCertificate: ca } : null };
}

/** Null when the three make a TLS context, else why not (OpenSSL's message). */
function contextProblem(cert: Buffer, key: Buffer, ca: Buffer | undefined): string | null {
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
    // OpenSSL skips what is not a certificate in a CA bundle, so a wrong
    // file would leave mTLS trusting nothing; the bundle must start with one.
    if (ca) new X509Certificate(ca);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

type CertificateProvider = grpc.experimental.CertificateProvider;
type IdentityUpdate = grpc.experimental.IdentityCertificateUpdate;
type CaUpdate = grpc.experimental.CaCertificateUpdate;

/**
 * A CertificateProvider over `inner` that forwards an update only when the
 * identity (and CA, for mTLS) read together make a TLS context, and only
 * when something changed. Listeners get the last good values at once,
 * starting with `initial` (the files as checked at start-up): grpc-js drops
 * the connections that arrive before its credentials have a certificate, and
 * the watcher's first read is asynchronous.
 */
function validatingProvider(
  inner: CertificateProvider,
  initial: { identity: IdentityUpdate; ca: CaUpdate | null },
  log: ServerCredentialsLog,
): CertificateProvider {
  const mutual = initial.ca !== null;
  let pendingIdentity: IdentityUpdate | null | undefined;
  let pendingCa: CaUpdate | null | undefined;
  let goodIdentity: IdentityUpdate = initial.identity;
  let goodCa: CaUpdate | null = initial.ca;
  const identityListeners = new Set<grpc.experimental.IdentityCertificateUpdateListener>();
  const caListeners = new Set<grpc.experimental.CaCertificateUpdateListener>();

  // The watcher reports the identity, then the CA, from one read of the files.
  const settle = () => {
    if (pendingIdentity === undefined || (mutual && pendingCa === undefined)) return;
    const identity = pendingIdentity;
    const ca = mutual ? (pendingCa ?? null) : null;
    pendingIdentity = undefined;
    pendingCa = undefined;
    if (identity === null || (mutual && ca === null)) {
      log("error", "TLS files unreadable: still serving the previous certificate", {});
      return;
    }
    const problem = contextProblem(identity.certificate, identity.privateKey, ca?.caCertificate);
    if (problem !== null) {
      log("error", "TLS files do not make a valid set-up: still serving the previous certificate", { problem });
      return;
    }
    const identityChanged =
      !goodIdentity.certificate.equals(identity.certificate) || !goodIdentity.privateKey.equals(identity.privateKey);
    const caChanged = ca !== null && (goodCa === null || !goodCa.caCertificate.equals(ca.caCertificate));
    if (!identityChanged && !caChanged) return;
    log("info", "TLS files reloaded", { certificateChanged: identityChanged, clientCaChanged: caChanged });
    goodIdentity = identity;
    if (ca !== null) goodCa = ca;
    // The credentials rebuild the context after each of the two updates; the
    // CA only verifies clients, so the state in between is valid too.
    if (caChanged && goodCa !== null) for (const listener of caListeners) listener(goodCa);
    if (identityChanged) for (const listener of identityListeners) listener(goodIdentity);
  };
  const onIdentity = (update: IdentityUpdate | null) => {
    pendingIdentity = update;
    settle();
  };
  const onCa = (update: CaUpdate | null) => {
    pendingCa = update;
    settle();
  };

  return {
    addIdentityCertificateListener(listener) {
      identityListeners.add(listener);
      if (identityListeners.size === 1) inner.addIdentityCertificateListener(onIdentity);
      process.nextTick(listener, goodIdentity);
    },
    removeIdentityCertificateListener(listener) {
      identityListeners.delete(listener);
      if (identityListeners.size === 0) inner.removeIdentityCertificateListener(onIdentity);
    },
    addCaCertificateListener(listener) {
      caListeners.add(listener);
      // Without mTLS the inner watcher has no CA file; the CA slot is unused.
      if (mutual && caListeners.size === 1) inner.addCaCertificateListener(onCa);
      if (goodCa !== null) process.nextTick(listener, goodCa);
    },
    removeCaCertificateListener(listener) {
      caListeners.delete(listener);
      if (mutual && caListeners.size === 0) inner.removeCaCertificateListener(onCa);
    },
  };
}
