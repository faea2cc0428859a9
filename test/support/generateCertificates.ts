import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Whether the openssl CLI is on PATH (the TLS tests are skipped, with the reason, when it is not). */
export async function opensslAvailable(): Promise<boolean> {
  try {
    await run("openssl", ["version"]);
    return true;
  } catch {
    return false;
  }
}

export type CertificateFiles = { cert: string; key: string };

/**
 * A throw-away PKI in `dir`, made with the openssl CLI (ECDSA P-256, valid
 * one day): a CA, and `leaf(name, subject, altNames)` issuing certificates it
 * signs. Server certificates carry IP:127.0.0.1 and DNS:localhost.
 */
export async function generateCertificates(dir: string): Promise<{
  caFile: string;
  leaf(name: string, options: { cn: string; altNames?: string[] }): Promise<CertificateFiles>;
}> {
  const caKey = path.join(dir, "ca.key");
  const caFile = path.join(dir, "ca.pem");
  await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", caKey]);
  await run("openssl", ["req", "-x509", "-new", "-key", caKey, "-subj", "/CN=LTST test CA", "-days", "1", "-out", caFile]);
  let serial = 1;
  return {
    caFile,
    async leaf(name, options) {
      const key = path.join(dir, `${name}.key`);
      const csr = path.join(dir, `${name}.csr`);
      const cert = path.join(dir, `${name}.pem`);
      const extensions = path.join(dir, `${name}.ext`);
      await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
      await run("openssl", ["req", "-new", "-key", key, "-subj", `/CN=${options.cn}`, "-out", csr]);
      const altNames = options.altNames ?? [];
      await writeFile(
        extensions,
        [
          "basicConstraints=CA:FALSE",
          "keyUsage=digitalSignature",
          "extendedKeyUsage=serverAuth,clientAuth",
          ...(altNames.length > 0 ? [`subjectAltName=${altNames.join(",")}`] : []),
        ].join("\n") + "\n",
      );
      await run("openssl", [
        "x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-set_serial", String(serial++),
        "-days", "1", "-extfile", extensions, "-out", cert,
      ]);
      return { cert, key };
    },
  };
}
