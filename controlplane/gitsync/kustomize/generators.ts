// configMapGenerator and secretGenerator (kustomize's ConfigMapGenerator/SecretGenerator):
// literals ("k=v"), files ("path" or "key=path") and env files, with generatorOptions and
// per-entry options, and `behavior` create / merge / replace against an object of the same name
// from a lower level. The hash suffix is added once the whole tree is built (build.ts).
import { posix } from "node:path";
import { KustomizeError } from "./errors";
import { resolvePath, type SnapshotFiles } from "./files";
import { checkKeys, listField, stringMapField, stringValue, type Kustomization } from "./kustomization";
import { isMap, type Json, type Resource } from "./resource";

type Kind = "ConfigMap" | "Secret";

function unquote(v: string): string {
  return v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) ? v.slice(1, -1) : v;
}

async function entryData(k: Kustomization, files: SnapshotFiles, e: Json, path: Array<string | number>): Promise<Record<string, Buffer>> {
  const data: Record<string, Buffer> = {};
  const where = (field: string, i: number) => k.lineOf([...path, field, i]) ?? k.lineOf(path);
  const put = (key: string, value: string | Buffer, field: string, i: number) => {
    if (key in data) throw new KustomizeError(k.file, where(field, i), "InvalidGenerator", `key ${key} is set twice in ${String(e.name)}`);
    data[key] = Buffer.isBuffer(value) ? value : Buffer.from(value, "utf8");
  };
  const read = async (rel: string, field: string, i: number) => {
    const p = resolvePath(k.dir, rel);
    const buf = p !== undefined && files.isFile(p) ? await files.read(p, k.dir, { file: k.file, line: where(field, i) }) : undefined;
    if (!buf) throw new KustomizeError(k.file, where(field, i), "FileNotFound", `${field}: ${rel} is not a file in this revision${p === undefined ? " (it leaves the repository)" : ""}`);
    return buf;
  };
  const list = (field: string): string[] => {
    const v = e[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new KustomizeError(k.file, k.lineOf([...path, field]), "InvalidGenerator", `${field} of ${String(e.name)} must be a list of strings`);
    return v.map((x, i) => stringValue(k, [...path, field, i], x));
  };
  for (const [i, lit] of list("literals").entries()) {
    const eq = lit.indexOf("=");
    if (eq <= 0) throw new KustomizeError(k.file, where("literals", i), "InvalidGenerator", `literal ${JSON.stringify(lit)} is not key=value`);
    put(lit.slice(0, eq), unquote(lit.slice(eq + 1)), "literals", i);
  }
  for (const [i, f] of list("files").entries()) {
    const eq = f.indexOf("=");
    const key = eq > 0 ? f.slice(0, eq) : posix.basename(f);
    put(key, await read(eq > 0 ? f.slice(eq + 1) : f, "files", i), "files", i);
  }
  const envs = [...list("envs"), ...(typeof e.env === "string" ? [e.env] : [])];
  for (const [i, f] of envs.entries()) {
    for (const raw of (await read(f, "envs", i)).toString("utf8").split(/\r?\n/)) {
      const line = raw.replace(/^\s+/, "");
      if (line === "" || line.startsWith("#")) continue;
      // As kustomize: a line without "=" is a key with an empty value (kustomize would read the
      // variable from its own environment; git-sync's environment is not the repository's).
      const eq = line.indexOf("=");
      if (eq === 0) throw new KustomizeError(k.file, where("envs", i), "InvalidGenerator", `env file ${f}: line ${JSON.stringify(raw)} has no key`);
      if (eq < 0) {
        put(line, "", "envs", i);
        continue;
      }
      put(line.slice(0, eq), line.slice(eq + 1), "envs", i);
    }
  }
  return data;
}

/** Secrets hold base64; a ConfigMap holds text in data and what is not UTF-8 in binaryData (as kustomize). */
function encodeData(kind: Kind, data: Record<string, Buffer>): { values: Record<string, string>; binary: Record<string, string> } {
  const values: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const [key, buf] of Object.entries(data)) {
    if (kind === "Secret") values[key] = buf.toString("base64");
    else if (Buffer.from(buf.toString("utf8"), "utf8").equals(buf)) values[key] = buf.toString("utf8");
    else binary[key] = buf.toString("base64");
  }
  return { values, binary };
}

/** Runs one kustomization's generators against the resources of its level (changed in place). */
export async function runGenerators(k: Kustomization, files: SnapshotFiles, resources: Resource[]): Promise<void> {
  const opts = isMap(k.body.generatorOptions) ? k.body.generatorOptions : {};
  checkKeys(k, "generatorOptions", ["generatorOptions"], opts);
  for (const [field, kind] of [["configMapGenerator", "ConfigMap"], ["secretGenerator", "Secret"]] as Array<[string, Kind]>) {
    for (const [i, raw] of listField(k, field).entries()) {
      const path = [field, i];
      if (!isMap(raw) || typeof raw.name !== "string" || raw.name === "") throw new KustomizeError(k.file, k.lineOf(path), "InvalidGenerator", `${field}[${i}] needs a name`);
      const e = raw;
      checkKeys(k, field, path, e);
      checkKeys(k, "options", [...path, "options"], e.options);
      const eo = isMap(e.options) ? e.options : {};
      const data = await entryData(k, files, e, path);
      const labels = { ...stringMapField(k, "", opts.labels, ["generatorOptions", "labels"]), ...stringMapField(k, "", eo.labels, [...path, "options", "labels"]) };
      const annotations = { ...stringMapField(k, "", opts.annotations, ["generatorOptions", "annotations"]), ...stringMapField(k, "", eo.annotations, [...path, "options", "annotations"]) };
      const hash = !(eo.disableNameSuffixHash ?? opts.disableNameSuffixHash ?? false);
      const immutable = eo.immutable ?? opts.immutable;
      const behavior = (e.behavior as string | undefined) ?? "create";
      const ns = typeof e.namespace === "string" ? e.namespace : undefined;
      const { values, binary } = encodeData(kind, data);
      if (behavior === "create") {
        const clash = resources.find((r) => r.object.kind === kind && r.object.metadata.name === e.name && r.object.metadata.namespace === ns);
        if (clash) throw new KustomizeError(k.file, k.lineOf(path), "InvalidGenerator", `${kind} ${e.name} already exists (${clash.file}:${clash.line}): use behavior merge or replace`);
        const object: Json = { apiVersion: "v1", kind, metadata: { name: e.name, ...(ns ? { namespace: ns } : {}), ...(Object.keys(labels).length ? { labels } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) } };
        if (Object.keys(values).length) object.data = values;
        if (Object.keys(binary).length) object.binaryData = binary;
        if (kind === "Secret") object.type = typeof e.type === "string" ? e.type : "Opaque";
        if (immutable) object.immutable = true;
        resources.push({ object: object as never, file: k.file, line: k.lineOf(path) ?? 1, document: 0, origName: e.name as string, origNamespace: ns, generated: { hash } });
        continue;
      }
      if (behavior !== "merge" && behavior !== "replace") throw new KustomizeError(k.file, k.lineOf([...path, "behavior"]), "InvalidGenerator", `behavior must be create, merge or replace, not ${behavior}`);
      const target = resources.find((r) => r.object.kind === kind && r.origName === e.name && (ns === undefined || r.object.metadata.namespace === ns));
      if (!target) throw new KustomizeError(k.file, k.lineOf(path), "InvalidGenerator", `behavior ${behavior}: no ${kind} ${e.name} from a base to ${behavior} with`);
      const o = target.object as unknown as Json;
      o.data = behavior === "merge" ? { ...(isMap(o.data) ? o.data : {}), ...values } : values;
      if (Object.keys(o.data as Json).length === 0) delete o.data;
      target.object.metadata.labels = { ...(behavior === "merge" ? target.object.metadata.labels : {}), ...labels };
      target.object.metadata.annotations = { ...(behavior === "merge" ? target.object.metadata.annotations : {}), ...annotations };
      if (Object.keys(target.object.metadata.labels).length === 0) delete target.object.metadata.labels;
      if (Object.keys(target.object.metadata.annotations).length === 0) delete target.object.metadata.annotations;
      target.generated = { hash: hash && (target.generated?.hash ?? true) };
      if (immutable) o.immutable = true;
      else delete o.immutable;
    }
  }
}
