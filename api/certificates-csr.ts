// A PKCS#10 certificate signing request, read as Go's x509.ParseCertificateRequest reads one: the
// PEM block, the subject (CN and O are what Kubernetes judges), the SANs of its extension request,
// the public key, and the self-signature checked with node:crypto. node-forge does the ASN.1 (its
// own CSR reader knows RSA keys only; this one takes RSA and EC alike, as Kubernetes does).
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import forge from "node-forge";

const { asn1 } = forge;

export interface ParsedCSR {
  commonName?: string;
  organizations: string[];
  dnsNames: string[];
  emailAddresses: string[];
  ipAddresses: string[];
  uris: string[];
  publicKey: KeyObject;
  /** The DER of the subject Name and of the SubjectPublicKeyInfo, as a certificate repeats them. */
  subjectDer: Buffer;
  publicKeyDer: Buffer;
}

const OID_CN = "2.5.4.3";
const OID_O = "2.5.4.10";
const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const OID_SAN = "2.5.29.17";
/** Signature algorithms a CSR may be signed with, by OID: the hash node:crypto verifies with. */
const SIGNATURE_HASHES: Record<string, string | null> = {
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.3.101.112": null,
};

/** The one PEM block of type CERTIFICATE REQUEST in `pem`, as DER; throws Go's messages. */
export function csrDerFromPem(pem: string): Buffer {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) throw new Error("PEM block type must be CERTIFICATE REQUEST");
  if (m[1] !== "CERTIFICATE REQUEST") throw new Error("PEM block type must be CERTIFICATE REQUEST");
  return Buffer.from(m[2]!.replace(/\s+/g, ""), "base64");
}

type Node = forge.asn1.Asn1;
const children = (n: Node | undefined): Node[] => (Array.isArray(n?.value) ? (n.value as Node[]) : []);
const bytesOf = (n: Node): Buffer => Buffer.from(asn1.toDer(n).getBytes(), "binary");
const oidOf = (n: Node | undefined): string => (n && typeof n.value === "string" ? asn1.derToOid(n.value) : "");
const text = (n: Node | undefined): string => (n && typeof n.value === "string" ? forge.util.decodeUtf8(n.value) : "");

/** Parses and verifies a PEM CSR; throws an Error whose message says what is wrong. */
export function parseCSR(pem: string): ParsedCSR {
  const der = csrDerFromPem(pem);
  let root: Node;
  try {
    // Bit strings stay bytes: forge would otherwise read an ECDSA signature as nested ASN.1.
    const options = { strict: true, decodeBitStrings: false } as unknown as boolean;
    root = asn1.fromDer(forge.util.createBuffer(der.toString("binary")), options);
  } catch (e) {
    throw new Error(`x509: malformed certificate request: ${(e as Error).message}`);
  }
  const [info, algorithm, signature] = children(root);
  const [version, subject, spki, attributes] = children(info);
  if (!info || !algorithm || !signature || !version || !subject || !spki) throw new Error("x509: malformed certificate request");
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: bytesOf(spki), format: "der", type: "spki" });
  } catch {
    throw new Error("x509: unsupported public key in certificate request");
  }
  const algOid = oidOf(children(algorithm)[0]);
  if (!(algOid in SIGNATURE_HASHES)) throw new Error(`x509: cannot verify signature: algorithm unimplemented (${algOid})`);
  const sig = Buffer.from(String(signature.value), "binary").subarray(1);
  if (!verify(SIGNATURE_HASHES[algOid] ?? null, bytesOf(info), publicKey, sig)) {
    throw new Error(publicKey.asymmetricKeyType === "rsa" ? "crypto/rsa: verification error" : "x509: ECDSA verification failure");
  }
  const names = subjectNames(subject);
  return { ...names, ...subjectAltNames(attributes), publicKey, subjectDer: bytesOf(subject), publicKeyDer: bytesOf(spki) };
}

function subjectNames(subject: Node): { commonName?: string; organizations: string[] } {
  let commonName: string | undefined;
  const organizations: string[] = [];
  for (const set of children(subject)) {
    for (const pair of children(set)) {
      const [oid, value] = children(pair);
      if (oidOf(oid) === OID_CN) commonName ??= text(value);
      else if (oidOf(oid) === OID_O) organizations.push(text(value));
    }
  }
  return { commonName, organizations };
}

/** The SANs of the extensionRequest attribute ([0] IMPLICIT SET OF Attribute). */
function subjectAltNames(attributes: Node | undefined): Pick<ParsedCSR, "dnsNames" | "emailAddresses" | "ipAddresses" | "uris"> {
  const out = { dnsNames: [] as string[], emailAddresses: [] as string[], ipAddresses: [] as string[], uris: [] as string[] };
  for (const attr of children(attributes)) {
    const [oid, values] = children(attr);
    if (oidOf(oid) !== OID_EXTENSION_REQUEST) continue;
    for (const extensions of children(values)) {
      for (const ext of children(extensions)) {
        const parts = children(ext);
        if (oidOf(parts[0]) !== OID_SAN) continue;
        const octets = parts[parts.length - 1]!;
        const names = asn1.fromDer(forge.util.createBuffer(String(octets.value)));
        for (const name of children(names)) addName(out, name);
      }
    }
  }
  return out;
}

function addName(out: Pick<ParsedCSR, "dnsNames" | "emailAddresses" | "ipAddresses" | "uris">, name: Node): void {
  const value = typeof name.value === "string" ? name.value : "";
  switch (name.type) {
    case 1:
      out.emailAddresses.push(value);
      break;
    case 2:
      out.dnsNames.push(value);
      break;
    case 6:
      out.uris.push(value);
      break;
    case 7:
      out.ipAddresses.push(value.length === 4 ? [...Buffer.from(value, "binary")].join(".") : Buffer.from(value, "binary").toString("hex").replace(/(.{4})(?!$)/g, "$1:"));
      break;
  }
}
