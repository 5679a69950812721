// JSON patch (RFC 6902, application/json-patch+json), as kubectl's `rollout undo` and
// `kubectl patch --type=json` send it. A malformed operation list is a 400 (Kubernetes fails to
// decode it); an operation that cannot be applied to this object (a failing `test`, a path that
// does not exist) is a 422, as Kubernetes answers.
import jsonPatch, { type Operation } from "fast-json-patch";

// fast-json-patch is CommonJS: Node's ESM loader gives only its default export.
const { applyPatch, JsonPatchError, validate } = jsonPatch;
import { checkPatchShape, PatchError } from "./errors";
import { PROTO_KEY } from "./safe-keys";
import { deepClone, isObject } from "./json";

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Check the shape of every operation; throws a 400 PatchError naming the first bad one. */
export function validateJsonPatch(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw new PatchError(400, "json patch must be an array of operations");
  checkPatchShape(ops); // before anything recursive looks at the values
  ops.forEach((op, i) => {
    const where = `operation ${i}`;
    if (!isObject(op)) throw new PatchError(400, `${where}: an operation must be an object`);
    if (typeof op.op !== "string" || !OPS.has(op.op)) {
      throw new PatchError(400, `${where}: unexpected kind of operation ${JSON.stringify(op.op ?? null)}`);
    }
    if (typeof op.path !== "string") throw new PatchError(400, `${where}: missing path`);
    if (op.path !== "" && !op.path.startsWith("/")) {
      throw new PatchError(400, `${where}: path ${JSON.stringify(op.path)} must start with "/"`, op.path);
    }
    if ((op.op === "move" || op.op === "copy") && typeof op.from !== "string") {
      throw new PatchError(400, `${where}: ${op.op} operation needs "from"`, op.path);
    }
    if ((op.op === "add" || op.op === "replace" || op.op === "test") && !("value" in op)) {
      throw new PatchError(400, `${where}: ${op.op} operation needs "value"`, op.path);
    }
    for (const pointer of [op.path, op.from]) {
      if (typeof pointer === "string" && pointer.split("/").some((s) => s.replace(/~1/g, "/").replace(/~0/g, "~") === PROTO_KEY)) {
        throw new PatchError(422, `${where}: Invalid value: the key "${PROTO_KEY}" is not allowed in a path`, pointer);
      }
    }
  });
  const typed = ops as Operation[];
  const err = validate(typed);
  if (err) throw new PatchError(400, `operation ${err.index ?? 0}: ${err.message}`, typed[err.index ?? 0]?.path);
  return typed;
}

/** Apply RFC 6902 operations to a copy of `obj`; `obj` is not changed. */
export function applyJsonPatch<T>(obj: T, ops: unknown): T {
  const valid = validateJsonPatch(ops);
  const doc = deepClone(obj);
  try {
    return applyPatch(doc, deepClone(valid), true, true, true).newDocument;
  } catch (e) {
    if (e instanceof JsonPatchError) {
      const op = e.index !== undefined ? valid[e.index] : undefined;
      const path = op?.path;
      if (e.name === "TEST_OPERATION_FAILED") {
        throw new PatchError(422, `testing value ${path} failed: test operation failed`, path);
      }
      const what = op ? `${op.op} operation does not apply: ` : "";
      throw new PatchError(422, `${what}${describe(e.name)} ${path ?? ""}`.trim(), path);
    }
    // fast-json-patch refuses constructor/prototype paths with a TypeError (banPrototypeModifications).
    if (e instanceof TypeError) throw new PatchError(422, `the patch does not apply: ${e.message.split(",")[0]}`);
    throw e;
  }
}

function describe(name: string): string {
  switch (name) {
    case "OPERATION_PATH_UNRESOLVABLE":
      return "doc is missing path";
    case "OPERATION_FROM_UNRESOLVABLE":
      return "doc is missing from path for";
    case "OPERATION_PATH_ILLEGAL_ARRAY_INDEX":
      return "invalid array index at";
    case "OPERATION_VALUE_OUT_OF_BOUNDS":
      return "array index out of bounds at";
    case "OPERATION_PATH_CANNOT_ADD":
      return "cannot add at";
    default:
      return "cannot apply at";
  }
}
