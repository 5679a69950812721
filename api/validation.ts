// Field errors in Kubernetes' words (field.ErrorList) and the name/label syntax checks of
// k8s.io/apimachinery/pkg/util/validation.
import type { LabelSelector } from "./meta";
import type { FieldCause } from "./resource";

export type PathPart = string | number;

/** ["spec", "containers", 0, "image"] -> "spec.containers[0].image". */
export function formatPath(path: readonly PathPart[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (out === "") out = part;
    else out += `.${part}`;
  }
  return out;
}

/** A map key inside a path: metadata.labels[app]. */
export function keyPath(path: string, key: string): string {
  return `${path}[${key}]`;
}

/** Values printed the way Kubernetes' field errors print them (%q for strings). */
function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === undefined || value === null) return "null";
  return JSON.stringify(value);
}

export const fieldError = {
  invalid(field: string, value: unknown, detail: string): FieldCause {
    return { reason: "FieldValueInvalid", field, message: `Invalid value: ${formatValue(value)}: ${detail}` };
  },
  required(field: string, detail = ""): FieldCause {
    return { reason: "FieldValueRequired", field, message: detail ? `Required value: ${detail}` : "Required value" };
  },
  notSupported(field: string, value: unknown, supported: readonly string[]): FieldCause {
    const list = supported.map((s) => JSON.stringify(s)).join(", ");
    return {
      reason: "FieldValueNotSupported",
      field,
      message: `Unsupported value: ${formatValue(value)}: supported values: ${list}`,
    };
  },
  duplicate(field: string, value: unknown): FieldCause {
    return { reason: "FieldValueDuplicate", field, message: `Duplicate value: ${formatValue(value)}` };
  },
  forbidden(field: string, detail: string): FieldCause {
    return { reason: "FieldValueForbidden", field, message: `Forbidden: ${detail}` };
  },
  tooLong(field: string, value: unknown, max: number): FieldCause {
    return {
      reason: "FieldValueTooLong",
      field,
      message: `Too long: may not be more than ${max} bytes`,
    };
  },
  typeInvalid(field: string, value: unknown, detail: string): FieldCause {
    return { reason: "FieldValueTypeInvalid", field, message: `Invalid value: ${formatValue(value)}: ${detail}` };
  },
  /**
   * An unknown field under fieldValidation=Strict. Kubernetes rejects these while decoding, with
   * 400 BadRequest and the message `strict decoding error: unknown field "spec.foo"`; the API
   * server maps causes with this reason to that response instead of a 422.
   */
  unknown(field: string): FieldCause {
    return { reason: "FieldValueUnknown", field, message: `unknown field ${JSON.stringify(field)}` };
  },
  immutable(field: string, value: unknown): FieldCause {
    return fieldError.invalid(field, value, "field is immutable");
  },
};

// ---- DNS names -------------------------------------------------------------------------------

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`);

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** Problems with value as an RFC 1123 label (namespaces, container names); [] when fine. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" +
        dns1123LabelFmt +
        "')",
    );
  }
  return errs;
}

/** Problems with value as an RFC 1123 subdomain (most object names); [] when fine. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" +
        dns1123SubdomainFmt +
        "')",
    );
  }
  return errs;
}

/** Problems with value as an RFC 1035 label (Service names); [] when fine. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!dns1035LabelRe.test(value)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '" +
        dns1035LabelFmt +
        "')",
    );
  }
  return errs;
}

export type NameValidator = (value: string) => string[];

// ---- Label keys and values --------------------------------------------------------------------

const qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);

/** Problems with a qualified name ("app", "app.kubernetes.io/name"): label and annotation keys. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const e of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
  } else {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" +
        qualifiedNameFmt +
        "') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (name.length > 0 && !qualifiedNameRe.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" +
        qualifiedNameFmt +
        "')",
    );
  }
  return errs;
}

/** Problems with a label value; [] when fine. */
function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(value)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '" +
        labelValueFmt +
        "')",
    );
  }
  return errs;
}

/** Label map checks, with errors on the map's own path as Kubernetes reports them. */
export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldCause[] {
  const out: FieldCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const e of isQualifiedName(k)) out.push(fieldError.invalid(field, k, e));
    for (const e of isValidLabelValue(v)) out.push(fieldError.invalid(field, v, e));
  }
  return out;
}

/** Annotation keys must be qualified names and all annotations together at most 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined, field: string): FieldCause[] {
  const out: FieldCause[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const e of isQualifiedName(k.toLowerCase())) out.push(fieldError.invalid(field, k, e));
    total += k.length + v.length;
  }
  if (total > 256 * 1024) out.push(fieldError.tooLong(field, "", 256 * 1024));
  return out;
}

// ---- Ports ------------------------------------------------------------------------------------

export function isValidPortNum(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];
}

/** IANA service names: port names such as "http" or "metrics". */
export function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(name)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(name)) errs.push("must contain at least one letter (a-z)");
  if (name.includes("--")) errs.push("must not contain consecutive hyphens");
  if (name.length > 0 && (name.startsWith("-") || name.endsWith("-"))) errs.push("must not begin or end with a hyphen");
  return errs;
}

/** A non-negative integer field. */
export function validateNonnegative(value: number | undefined, field: string): FieldCause[] {
  if (value === undefined || value >= 0) return [];
  return [fieldError.invalid(field, value, "must be greater than or equal to 0")];
}

export function isValidIP(value: string): boolean {
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  if (v4.test(value)) return true;
  return /^[0-9a-fA-F:.]+$/.test(value) && value.includes(":");
}

/** field.TooMany: a list longer than its limit. */
export function tooMany(field: string, actual: number, max: number): FieldCause {
  return { reason: "FieldValueTooMany", field, message: `Too many: ${actual}: must have at most ${max} items` };
}

// ---- Label selectors ---------------------------------------------------------------------------

const selectorOperators = ["DoesNotExist", "Exists", "In", "NotIn"];

/** ValidateLabelSelector: keys, operators, and values exactly where the operator wants them. */
export function validateLabelSelector(sel: LabelSelector, path: string): FieldCause[] {
  const out = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    for (const e of isQualifiedName(req.key)) out.push(fieldError.invalid(`${p}.key`, req.key, e));
    if (!selectorOperators.includes(req.operator)) out.push(fieldError.notSupported(`${p}.operator`, req.operator, selectorOperators));
    const n = (req.values ?? []).length;
    if ((req.operator === "In" || req.operator === "NotIn") && n === 0) {
      out.push(fieldError.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    }
    if ((req.operator === "Exists" || req.operator === "DoesNotExist") && n > 0) {
      out.push(fieldError.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    }
  });
  return out;
}
