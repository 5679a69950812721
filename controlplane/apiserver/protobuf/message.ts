// Decodes one protobuf message into the JSON object Kubernetes would accept for it, driven by the
// field tables in schema.ts. Unknown field numbers are skipped; absent fields stay absent.
import { MESSAGES } from "./schema";
import { WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT, WireError, WireReader } from "./wire";
import { setOwn } from "../patch/safe-keys";

export interface FieldSpec {
  json: string;
  /** "s", "i", "b", "y", "d", "T", "M", "Q", "IS", "F", "R" or a message name. */
  type: string;
  repeated: boolean;
  map: boolean;
  pointer: boolean;
  inline: boolean;
}

export type MessageSpec = Map<number, FieldSpec>;

const SCALARS = new Set(["s", "i", "b", "y", "d"]);
const SPECIALS = new Set(["T", "M", "Q", "IS", "F", "R"]);

export function parseFieldToken(token: string): [number, FieldSpec] {
  const m = /^(\d+):(\w+):(\{)?(\w+)\}?(\[\])?(\?)?(\^)?$/.exec(token);
  if (!m) throw new Error(`bad protobuf schema token ${token}`);
  return [Number(m[1]), { json: m[2], type: m[4], map: !!m[3], repeated: !!m[5], pointer: !!m[6], inline: !!m[7] }];
}

const specs = new Map<string, MessageSpec>();

export function messageSpec(name: string): MessageSpec {
  let spec = specs.get(name);
  if (!spec) {
    const table = MESSAGES[name];
    if (table === undefined) throw new Error(`no protobuf schema for message ${name}`);
    spec = new Map(table.split(" ").map(parseFieldToken));
    specs.set(name, spec);
  }
  return spec;
}

export function isKnownType(type: string): boolean {
  return SCALARS.has(type) || SPECIALS.has(type) || MESSAGES[type] !== undefined;
}

/** Decode `bytes` as message `name` into a plain JSON object. Throws WireError on malformed input. */
export function decodeMessage(name: string, bytes: Uint8Array): Record<string, unknown> {
  const spec = messageSpec(name);
  const out: Record<string, unknown> = {};
  const r = new WireReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.key();
    const f = spec.get(field);
    if (!f) {
      r.skip(wireType);
      continue;
    }
    if (f.map) {
      expectWire(f, wireType, WIRE_BYTES);
      const [k, v] = decodeMapEntry(f, r.bytes());
      const m = (out[f.json] ??= {}) as Record<string, unknown>;
      setOwn(m, k, v); // a "__proto__" key stays data; the body decoder refuses it
    } else if (f.repeated) {
      const list = (out[f.json] ??= []) as unknown[];
      if (wireType === WIRE_BYTES && (f.type === "i" || f.type === "b")) {
        // packed encoding of repeated varints
        const packed = new WireReader(r.bytes());
        while (!packed.done()) list.push(f.type === "b" ? packed.bool() : packed.int());
      } else list.push(readValue(f, r, wireType));
    } else if (f.inline) {
      expectWire(f, wireType, WIRE_BYTES);
      Object.assign(out, decodeMessage(f.type, r.bytes()));
    } else {
      const v = readValue(f, r, wireType);
      if (f.pointer || !isZero(f.type, v)) out[f.json] = v;
      else delete out[f.json];
    }
  }
  return out;
}

function expectWire(f: FieldSpec, got: number, want: number): void {
  if (got !== want) throw new WireError(`field ${f.json}: wire type ${got}, expected ${want}`);
}

/** Go's omitempty view: an explicitly written zero of a non-pointer field means "not set". */
function isZero(type: string, v: unknown): boolean {
  if (v === undefined) return true;
  if (type === "s" || type === "y") return v === "";
  if (type === "i" || type === "d") return v === 0;
  if (type === "b") return v === false;
  if (type === "IS") return v === 0;
  return false;
}

function readValue(f: FieldSpec, r: WireReader, wireType: number): unknown {
  switch (f.type) {
    case "i":
      expectWire(f, wireType, WIRE_VARINT);
      return r.int();
    case "b":
      expectWire(f, wireType, WIRE_VARINT);
      return r.bool();
    case "d":
      expectWire(f, wireType, WIRE_FIXED64);
      return r.double();
    case "s":
      expectWire(f, wireType, WIRE_BYTES);
      return r.string();
    case "y":
      expectWire(f, wireType, WIRE_BYTES);
      return Buffer.from(r.bytes()).toString("base64");
    default:
      expectWire(f, wireType, WIRE_BYTES);
      return decodeEmbedded(f.type, r.bytes());
  }
}

function decodeMapEntry(f: FieldSpec, bytes: Uint8Array): [string, unknown] {
  const r = new WireReader(bytes);
  let key = "";
  let value: unknown;
  while (!r.done()) {
    const { field, wireType } = r.key();
    if (field === 1) {
      expectWire(f, wireType, WIRE_BYTES);
      key = r.string();
    } else if (field === 2) value = readValue(f, r, wireType);
    else r.skip(wireType);
  }
  // An absent value is the zero value of the value type.
  if (value === undefined) value = f.type === "s" || f.type === "y" ? "" : f.type === "Q" ? "0" : SCALARS.has(f.type) ? 0 : {};
  return [key, value];
}

/** Messages with their own JSON form (Time, Quantity, IntOrString, ...) and table messages. */
function decodeEmbedded(type: string, bytes: Uint8Array): unknown {
  switch (type) {
    case "T":
    case "M":
      return decodeTime(bytes, type === "M");
    case "Q":
      return text(decodeFields(bytes)[1]) ?? "0";
    case "IS": {
      const f = decodeFields(bytes);
      return f[1] === 1 ? (text(f[3]) ?? "") : (num(f[2]) ?? 0);
    }
    case "F":
    case "R": {
      const raw = decodeFields(bytes)[1];
      if (!(raw instanceof Uint8Array) || raw.length === 0) return {};
      try {
        return JSON.parse(Buffer.from(raw).toString("utf8"));
      } catch {
        throw new WireError(`embedded ${type === "F" ? "FieldsV1" : "RawExtension"} is not JSON`);
      }
    }
    default:
      return decodeMessage(type, bytes);
  }
}

/** Fields of the small fixed-layout messages: numbers for varints, raw bytes for wire type 2. */
function decodeFields(bytes: Uint8Array): Record<number, number | Uint8Array> {
  const r = new WireReader(bytes);
  const out: Record<number, number | Uint8Array> = {};
  while (!r.done()) {
    const { field, wireType } = r.key();
    if (wireType === WIRE_VARINT) out[field] = r.int();
    else if (wireType === WIRE_BYTES) out[field] = r.bytes();
    else r.skip(wireType);
  }
  return out;
}

function text(v: number | Uint8Array | undefined): string | undefined {
  return v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : undefined;
}

function decodeTime(bytes: Uint8Array, micro: boolean): string | undefined {
  const f = decodeFields(bytes);
  const seconds = num(f[1]) ?? 0;
  const nanos = num(f[2]) ?? 0;
  if (seconds === 0 && nanos === 0) return undefined; // Go's zero time: JSON null
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw new WireError("time out of range");
  const base = d.toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z`;
}

function num(v: number | Uint8Array | undefined): number | undefined {
  return typeof v === "number" ? v : undefined;
}
