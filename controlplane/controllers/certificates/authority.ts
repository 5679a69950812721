// The cluster CA as the signer uses it (pkg/controller/certificates/authority): it issues an x509
// certificate for a verified CSR, keeping the CSR's subject and public key, with the key usages
// asked for, backdated 5 minutes for clock skew and never outliving the CA. node-forge assembles
// the ASN.1; node:crypto signs, so the CA's key may be EC (as the lab's is), RSA or Ed25519.
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import forge from "node-forge";
import type { ParsedCSR } from "../../../api/certificates-csr";

const { asn1 } = forge;
type Node = forge.asn1.Asn1;
// pki.getTBSCertificate is exported by node-forge but missing from @types/node-forge.

export interface CertificateAuthority {
  certPem: string;
  notAfter: Date;
  /** The CA's subject Name, DER: the issuer of what it signs. */
  subjectDer: Buffer;
  key: KeyObject;
}

/** --cluster-signing-cert-file / --cluster-signing-key-file. */
export function loadCertificateAuthority(certFile: string, keyFile: string): CertificateAuthority {
  const certPem = readFileSync(certFile, "utf8");
  const key = createPrivateKey(readFileSync(keyFile));
  const x509 = new X509Certificate(certPem);
  if (!x509.checkPrivateKey(key)) throw new Error(`${keyFile} is not the key of ${certFile}`);
  return { certPem, notAfter: new Date(x509.validTo), subjectDer: caSubjectDer(x509.raw), key };
}

/** Certificate -> tbsCertificate -> subject (after the optional [0] version, serial, signature, issuer, validity). */
function caSubjectDer(der: Buffer): Buffer {
  const cert = asn1.fromDer(forge.util.createBuffer(der.toString("binary")));
  const tbs = (cert.value as Node[])[0]!.value as Node[];
  const hasVersion = tbs[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC;
  return Buffer.from(asn1.toDer(tbs[hasVersion ? 5 : 4]!).getBytes(), "binary");
}

/** The signature algorithm for the CA's key: [OID, hash for node:crypto, whether parameters are NULL]. */
function algorithmFor(key: KeyObject): [string, string | null, boolean] {
  switch (key.asymmetricKeyType) {
    case "ec":
      return ["1.2.840.10045.4.3.2", "sha256", false];
    case "rsa":
      return ["1.2.840.113549.1.1.11", "sha256", true];
    case "ed25519":
      return ["1.3.101.112", null, false];
    default:
      throw new Error(`the cluster signing key is ${key.asymmetricKeyType}: only EC, RSA and Ed25519 keys can sign`);
  }
}

const BACKDATE_MS = 5 * 60_000;
const SHORT_MS = 8 * 3600_000;

/** PermissiveSigningPolicy's validity: 5 minutes back for skew (not taken off a short TTL's end), capped by the CA. */
export function validity(now: Date, ttlMs: number, caNotAfter: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + ttlMs - (ttlMs >= SHORT_MS ? BACKDATE_MS : 0));
  if (notAfter > caNotAfter) notAfter = caNotAfter;
  return { notBefore, notAfter };
}

const fromDer = (b: Buffer): Node => asn1.fromDer(forge.util.createBuffer(b.toString("binary")));

/** A certificate for `csr`, PEM. usages are the CSR's spec.usages (already checked by the caller). */
export function issueCertificate(ca: CertificateAuthority, csr: ParsedCSR, usages: string[], span: { notBefore: Date; notAfter: Date }): string {
  const [oid, hash, nullParams] = algorithmFor(ca.key);
  const cert = forge.pki.createCertificate();
  // forge insists on an RSA key object here; the CSR's own key (RSA or EC) replaces it below.
  cert.publicKey = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger("3"), new forge.jsbn.BigInteger("3"));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = span.notBefore;
  cert.validity.notAfter = span.notAfter;
  cert.siginfo.algorithmOid = oid;
  cert.setExtensions(extensionsFor(usages));
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): Node }).getTBSCertificate(cert);
  const parts = tbs.value as Node[];
  const algId = () => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
    ...(nullParams ? [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, "")] : []),
  ]);
  parts[2] = algId();
  parts[3] = fromDer(ca.subjectDer);
  parts[5] = fromDer(csr.subjectDer);
  parts[6] = fromDer(csr.publicKeyDer);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), "binary");
  const signature = sign(hash, tbsDer, ca.key);
  const whole = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algId(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, "\x00" + signature.toString("binary")),
  ]);
  const der = Buffer.from(asn1.toDer(whole).getBytes(), "binary");
  const lines = der.toString("base64").match(/.{1,64}/g)!;
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** keyUsage and extKeyUsage from the CSR's usages (Kubernetes' KeyUsagesFromStrings), basicConstraints CA:false. */
function extensionsFor(usages: string[]): unknown[] {
  const has = (u: string) => usages.includes(u);
  const keyUsage = {
    name: "keyUsage",
    critical: true,
    digitalSignature: has("digital signature") || has("signing"),
    nonRepudiation: has("content commitment"),
    keyEncipherment: has("key encipherment"),
    dataEncipherment: has("data encipherment"),
    keyAgreement: has("key agreement"),
    keyCertSign: has("cert sign"),
    cRLSign: has("crl sign"),
    encipherOnly: has("encipher only"),
    decipherOnly: has("decipher only"),
  };
  const ext = { name: "extKeyUsage", serverAuth: has("server auth"), clientAuth: has("client auth"), codeSigning: has("code signing"), emailProtection: has("email protection"), timeStamping: has("timestamping") };
  const out: unknown[] = [{ name: "basicConstraints", critical: true, cA: false }];
  if (Object.entries(keyUsage).some(([k, v]) => v === true && k !== "critical")) out.push(keyUsage);
  if (Object.entries(ext).some(([k, v]) => v === true && k !== "name")) out.push(ext);
  return out;
}
