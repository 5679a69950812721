// The keys of ServiceAccount tokens: the server signs with --service-account-signing-key-file and
// accepts tokens signed by any key of --service-account-key-file (and its own signing key), so
// every API server sharing those files accepts every other's tokens. PEM files in any of the
// forms Kubernetes reads (PKCS#1, SEC1, PKCS#8 private keys; SPKI public keys; several per file).
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { importPKCS8, importSPKI, type CryptoKey } from "jose";

export type TokenAlgorithm = "RS256" | "ES256" | "ES384" | "ES512";

export interface SigningKey {
  alg: TokenAlgorithm;
  /** Kubernetes' key id: base64url of the SHA-256 of the public key's DER (SPKI). */
  kid: string;
  key: CryptoKey;
}

/** A public key, with its node:crypto KeyObject: tokens are verified synchronously with it (jose's WebCrypto path costs a thread-pool hop per token). */
export type VerificationKey = SigningKey & { keyObject: KeyObject };

/** The signing key: the first private key of the file. */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  const blocks = pemBlocks(readFileSync(file, "utf8"), file).filter((b) => /PRIVATE KEY/.test(b.label));
  if (blocks.length === 0) throw new Error(`${file}: no private key in it (--service-account-signing-key-file needs a PEM RSA or EC private key)`);
  const priv = parse(() => createPrivateKey(blocks[0]!.pem), file);
  const alg = algorithmOf(priv, file);
  const pub = createPublicKey(priv);
  return { alg, kid: keyId(pub), key: await importPKCS8(priv.export({ type: "pkcs8", format: "pem" }) as string, alg) };
}

/** Every key of the files, public or private (the public half of a private one). */
export async function loadVerificationKeys(files: string[]): Promise<VerificationKey[]> {
  const out: VerificationKey[] = [];
  for (const file of files) {
    const blocks = pemBlocks(readFileSync(file, "utf8"), file).filter((b) => /PUBLIC KEY|PRIVATE KEY/.test(b.label));
    if (blocks.length === 0) throw new Error(`${file}: no PEM key in it (--service-account-key-file)`);
    for (const b of blocks) out.push(await verificationKey(parse(() => createPublicKey(b.pem), file), file));
  }
  return out;
}

export async function verificationKey(pub: KeyObject, file: string): Promise<VerificationKey> {
  const alg = algorithmOf(pub, file);
  return { alg, kid: keyId(pub), key: await importSPKI(pub.export({ type: "spki", format: "pem" }) as string, alg), keyObject: pub };
}

/** The verification key for the public half of a signing key file. */
export async function publicHalf(file: string): Promise<VerificationKey> {
  const blocks = pemBlocks(readFileSync(file, "utf8"), file).filter((b) => /PRIVATE KEY/.test(b.label));
  return verificationKey(parse(() => createPublicKey(blocks[0]?.pem ?? ""), file), file);
}

export function keyId(pub: KeyObject): string {
  return createHash("sha256").update(pub.export({ type: "spki", format: "der" })).digest("base64url");
}

function algorithmOf(key: KeyObject, file: string): TokenAlgorithm {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") return "ES256";
    if (curve === "secp384r1") return "ES384";
    if (curve === "secp521r1") return "ES512";
  }
  throw new Error(`${file}: a ${key.asymmetricKeyType} key cannot sign ServiceAccount tokens (RSA or EC P-256/384/521)`);
}

function parse<T>(f: () => T, file: string): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${file}: not a usable PEM key: ${(e as Error).message}`);
  }
}

function pemBlocks(text: string, file: string): Array<{ label: string; pem: string }> {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)].map((m) => ({ label: m[1]!, pem: m[0] }));
  if (blocks.length === 0) throw new Error(`${file}: no PEM block in it`);
  return blocks;
}
