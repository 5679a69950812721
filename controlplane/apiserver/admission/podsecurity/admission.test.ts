import { describe, expect, it } from "vitest";
import pino from "pino";
import { Writable } from "node:stream";
import type { Pod } from "../../../../api/core";
import type { KObject } from "../../../../api/resource";
import { ApiError } from "../../errors";
import type { AdmissionAttributes } from "../attributes";
import { PodSecurityAdmission } from "./admission";
import { parsePodSecurityDefaults, podSecurityFromFlags, type PodSecurityConfig } from "./config";
import type { NamespaceLike } from "./namespace";

type PodObject = KObject & Pod;
const L = "pod-security.kubernetes.io/";

function setup(config: Partial<PodSecurityConfig["exemptions"]> = {}, namespaces: Record<string, Record<string, string>> = {}, pods: PodObject[] = []) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const psa = new PodSecurityAdmission(
    { defaults: parsePodSecurityDefaults("enforce=baseline,warn=restricted"), exemptions: { usernames: [], namespaces: [], runtimeClasses: [], ...config } },
    {
      getNamespace: async (name) => ({ metadata: { name, labels: namespaces[name] ?? {} } }),
      listPods: async (ns) => pods.filter((p) => p.metadata.namespace === ns),
      logger: pino({ level: "info" }, sink),
    },
  );
  return { psa, lines };
}

function attrs(user = "alice", operation: AdmissionAttributes["operation"] = "CREATE") {
  const warnings: string[] = [];
  return { warnings, a: { operation, user: { name: user, groups: [] }, dryRun: false, warn: (m: string) => warnings.push(m) } as AdmissionAttributes };
}

const pod = (name: string, spec: Partial<Pod["spec"]> = {}, ns = "team", extra: Partial<PodObject["metadata"]> = {}): PodObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, ...extra }, spec: { containers: [{ name: "c", image: "kubelab/busybox:1.36" }], ...spec } }) as PodObject;
const privileged = (name: string, ns = "team", extra = {}) => pod(name, { containers: [{ name: "c", image: "kubelab/busybox:1.36", securityContext: { privileged: true } }] }, ns, extra);

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ApiError);
  expect((e as ApiError).code).toBe(403);
  return (e as ApiError).message;
}

describe("Pod Security admission", () => {
  it("refuses what the namespace enforces with Kubernetes' message, and warns at the warn level", async () => {
    const { psa } = setup();
    const { a } = attrs();
    expect(await refusal(psa.validatePod(privileged("x"), undefined, a))).toBe(
      'pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    );
    const ok = attrs();
    await psa.validatePod(pod("y"), undefined, ok.a);
    expect(ok.warnings).toHaveLength(1);
    expect(ok.warnings[0]).toMatch(/^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "c" must set/);
  });

  it("admits anything in a privileged namespace, and skips exempt namespaces, users and runtime classes", async () => {
    const { psa } = setup({ namespaces: ["infra"], usernames: ["system:serviceaccount:kube-system:installer"], runtimeClasses: ["kata"] }, { open: { [L + "enforce"]: "privileged", [L + "warn"]: "privileged" } });
    for (const [p, user] of [
      [privileged("a", "open"), "alice"],
      [privileged("b", "infra"), "alice"],
      [privileged("c"), "system:serviceaccount:kube-system:installer"],
      [{ ...privileged("d"), spec: { ...privileged("d").spec, runtimeClassName: "kata" } }, "alice"],
    ] as Array<[PodObject, string]>) {
      const { a, warnings } = attrs(user);
      await psa.validatePod(p, undefined, a);
      expect(warnings).toEqual([]);
    }
    await refusal(psa.validatePod(privileged("e"), undefined, attrs().a));
  });

  it("judges pod updates only when an image changes, and never the status subresource", async () => {
    const { psa } = setup();
    const old = privileged("x");
    const relabelled = { ...old, metadata: { ...old.metadata, labels: { a: "b" } } };
    await psa.validatePod(relabelled, old, attrs("alice", "UPDATE").a);
    await psa.validatePod(relabelled, old, { ...attrs("alice", "UPDATE").a, subresource: "status" });
    const newImage = { ...old, spec: { ...old.spec, containers: [{ ...old.spec.containers[0]!, image: "kubelab/web:2" }] } };
    await refusal(psa.validatePod(newImage, old, attrs("alice", "UPDATE").a));
  });

  it("only warns and audits a pod template, at the stricter of warn and enforce for a namespace that sets enforce alone", async () => {
    const { psa, lines } = setup({}, { strict: { [L + "enforce"]: "restricted", [L + "audit"]: "baseline" } });
    const { a, warnings } = attrs();
    const tmpl = privileged("t").spec;
    await psa.validatePodController({ resource: "deployments", namespace: "strict", name: "web", meta: {}, spec: tmpl }, a);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^would violate PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation/);
    const audit = lines.find((l) => l.msg === "pod security audit violation");
    expect(audit).toMatchObject({ resource: "deployments", namespace: "strict", name: "web", user: "alice" });
    expect(audit?.["pod-security.kubernetes.io/audit-violations"]).toBe('would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
  });

  it("refuses namespace labels that do not parse, and warns about existing pods when enforce gets stricter", async () => {
    const pods = [privileged("b1"), privileged("a1"), pod("fine"), pod("h", { hostNetwork: true })];
    const { psa } = setup({}, {}, pods);
    const ns = (labels: Record<string, string>): NamespaceLike => ({ metadata: { name: "team", labels } });
    const bad = await psa.validateNamespace(ns({ [L + "enforce"]: "strict" }), undefined, attrs().a).then(() => undefined, (e: unknown) => e as ApiError);
    expect(bad?.code).toBe(422);
    expect(bad?.message).toBe(`Namespace "team" is invalid: metadata.labels[${L}enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted`);
    const { a, warnings } = attrs("alice", "UPDATE");
    await psa.validateNamespace(ns({ [L + "enforce"]: "baseline" }), ns({ [L + "enforce"]: "privileged" }), a);
    expect(warnings).toEqual([
      'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
      "a1 (and 1 other pod): privileged",
      "h: host namespaces",
    ]);
    const looser = attrs("alice", "UPDATE");
    await psa.validateNamespace(ns({ [L + "enforce"]: "privileged" }), ns({ [L + "enforce"]: "baseline" }), looser.a);
    expect(looser.warnings).toEqual([]);
  });

  it("warns that labels on an exempt namespace are ignored", async () => {
    const { psa } = setup({ namespaces: ["kube-system"] });
    const { a, warnings } = attrs();
    await psa.validateNamespace({ metadata: { name: "kube-system", labels: { [L + "enforce"]: "restricted" } } }, undefined, a);
    expect(warnings).toEqual(['namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored']);
  });
});

describe("Pod Security flags", () => {
  it("reads the defaults and exemptions, and names the flag in errors", () => {
    const c = podSecurityFromFlags({ defaults: "enforce=baseline:v1.30, warn=restricted", exemptNamespaces: "kube-system,infra", exemptUsernames: "", exemptRuntimeClasses: "kata" });
    expect(c.defaults.enforce).toEqual({ level: "baseline", version: { minor: 30 } });
    expect(c.defaults.audit.level).toBe("privileged");
    expect(c.exemptions).toEqual({ namespaces: ["kube-system", "infra"], usernames: [], runtimeClasses: ["kata"] });
    expect(podSecurityFromFlags({ defaults: "", exemptNamespaces: "", exemptUsernames: "", exemptRuntimeClasses: "" }).defaults.enforce.level).toBe("privileged");
    for (const [bad, why] of [["enforce=strict", "level must be one of"], ["deny=baseline", "expected MODE=LEVEL"], ["warn=baseline:1.2", "version must be"], ["warn=baseline,warn=restricted", "given twice"]]) {
      expect(() => podSecurityFromFlags({ defaults: bad!, exemptNamespaces: "", exemptUsernames: "", exemptRuntimeClasses: "" })).toThrow(`for --pod-security-defaults: `);
      expect(() => parsePodSecurityDefaults(bad!)).toThrow(why!);
    }
  });
});
