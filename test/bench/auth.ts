// `npm run bench -- auth`: ServiceAccount token verification, in process, per CPU-second (user +
// system time of every thread, so WebCrypto's thread pool counts too: "on one core"). First use
// checks the signature (jose); a repeated token is checked from the verified-token cache (expiry,
// audience, bound objects still there). The bound-object lookups read an in-memory map here, so
// this is the authenticator's own cost, not the store's.
import { generateKeyPairSync, createPublicKey } from "node:crypto";
import { randomUUID } from "node:crypto";
import { newClaims } from "../../controlplane/apiserver/authn/serviceaccount/claims";
import { verificationKey } from "../../controlplane/apiserver/authn/serviceaccount/keys";
import { ServiceAccountTokenAuthenticator, ServiceAccountTokenSigner, type BoundObjectGetter } from "../../controlplane/apiserver/authn/serviceaccount/tokens";
import { importPKCS8 } from "jose";
import type { BenchRow } from "./table";

const ISSUER = "https://kubernetes.default.svc.cluster.local";
const TOKENS = 2000;

export async function benchAuth(): Promise<BenchRow[]> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pub = await verificationKey(createPublicKey(privateKey), "bench");
  const signer = new ServiceAccountTokenSigner({ ...pub, key: await importPKCS8(privateKey.export({ type: "pkcs8", format: "pem" }) as string, "RS256") }, ISSUER);
  const live = { uid: "sa-uid" };
  const getter: BoundObjectGetter = { serviceAccount: async () => live, pod: async () => ({ uid: "pod-uid" }), secret: async () => undefined };
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) {
    const kubernetes = { namespace: "default", serviceaccount: { name: "bench", uid: "sa-uid" }, pod: { name: `p${i}`, uid: "pod-uid" } };
    tokens.push(await signer.sign(newClaims({ issuer: ISSUER, audiences: [ISSUER], now, expirationSeconds: 3600, jti: randomUUID(), kubernetes })));
  }
  const fresh = () => new ServiceAccountTokenAuthenticator({ issuers: [ISSUER], keys: [pub], audiences: [ISSUER], getter });
  const firstUse = await perCpuSecond(async () => {
    const a = fresh();
    await verifyAll(a, tokens);
    return tokens.length;
  });
  const cached = fresh();
  await verifyAll(cached, tokens);
  const repeatUse = await perCpuSecond(async () => {
    for (let i = 0; i < 10; i++) await verifyAll(cached, tokens);
    return tokens.length * 10;
  });
  return [
    { metric: "ServiceAccount token verification, first use (RS256 signature)", value: Math.round(firstUse), unit: "/s per core", target: ">= 20000/s on one core" },
    { metric: "ServiceAccount token verification, repeat use (verified-token cache)", value: Math.round(repeatUse), unit: "/s per core", target: "-" },
  ];
}

async function verifyAll(a: ServiceAccountTokenAuthenticator, tokens: string[]): Promise<void> {
  // 64 at a time, as concurrent requests would arrive.
  for (let i = 0; i < tokens.length; i += 64) {
    const results = await Promise.all(tokens.slice(i, i + 64).map((t) => a.authenticateToken(t)));
    for (const r of results) if (!r || "error" in r) throw new Error(`token refused: ${r ? r.error : "not recognised"}`);
  }
}

/** Runs `round` for about 3 s; verifications per CPU-second of the process. */
async function perCpuSecond(round: () => Promise<number>): Promise<number> {
  const cpu0 = process.cpuUsage();
  const started = Date.now();
  let n = 0;
  while (Date.now() - started < 3000) n += await round();
  const cpu = process.cpuUsage(cpu0);
  return n / ((cpu.user + cpu.system) / 1e6);
}
