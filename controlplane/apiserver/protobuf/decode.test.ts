import { describe, expect, it } from "vitest";
import { ApiError } from "../errors";
import { decodeProtobufBody, PROTOBUF_KINDS } from "./decode";
import { bytesField as msg, envelope, intField as int, key, mapEntry, varint } from "./encode";
import { isKnownType, messageSpec } from "./message";
import { MESSAGES } from "./schema";

const meta = (name: string, ...more: Buffer[]) =>
  msg(1, msg(1, name), msg(2, ""), msg(3, ""), int(7, 0), msg(8), ...more);
const time = (seconds: number, nanos = 0) => Buffer.concat([int(1, seconds), int(2, nanos)]);

function apiError(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

describe("protobuf field tables", () => {
  it("name only known types, with unique field numbers", () => {
    for (const name of Object.keys(MESSAGES)) {
      const tokens = MESSAGES[name].split(" ");
      const spec = messageSpec(name);
      expect(spec.size, `${name} has duplicate field numbers`).toBe(tokens.length);
      for (const f of spec.values()) expect(isKnownType(f.type), `${name}.${f.json}: ${f.type}`).toBe(true);
    }
  });

  it("cover every kind that may be sent as protobuf", () => {
    expect(PROTOBUF_KINDS).toEqual(expect.arrayContaining(["v1 ConfigMap", "apps/v1 Deployment", "coordination.k8s.io/v1 Lease"]));
  });
});

describe("protobuf request bodies", () => {
  it("decode a Deployment as kubectl create sends it, dropping written zeros of non-pointer fields", () => {
    const container = Buffer.concat([
      msg(1, "web"),
      msg(2, "kubelab/web:1"),
      msg(3, "sleep"),
      msg(3, "3600"),
      msg(6, msg(1, ""), int(2, 0), int(3, 80), msg(4, ""), msg(5, "")),
      msg(7, msg(1, "MODE"), msg(2, "prod")),
      msg(8, mapEntry(1, "cpu", msg(2, msg(1, "500m"))), mapEntry(2, "memory", msg(2, msg(1, "64Mi")))),
      msg(13, ""),
      int(16, false),
    ]);
    const spec = Buffer.concat([
      int(1, 0),
      msg(2, mapEntry(1, "app", "web")),
      msg(3, msg(1, msg(8), mapEntry(11, "app", "web")), msg(2, msg(2, container), msg(3, ""), int(11, false))),
      msg(4, msg(1, "RollingUpdate"), msg(2, msg(1, int(1, 0), int(2, 0)), msg(2, int(1, 1), msg(3, "25%")))),
      int(5, 0),
    ]);
    const raw = Buffer.concat([meta("web", mapEntry(11, "app", "web")), msg(2, spec), msg(3)]);
    expect(decodeProtobufBody(envelope("apps/v1", "Deployment", raw))).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { app: "web" } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [
              {
                name: "web",
                image: "kubelab/web:1",
                command: ["sleep", "3600"],
                ports: [{ containerPort: 80 }],
                env: [{ name: "MODE", value: "prod" }],
                resources: { limits: { cpu: "500m" }, requests: { memory: "64Mi" } },
              },
            ],
          },
        },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      },
      status: {},
    });
  });

  it("decode Secret data as base64 and keep empty ConfigMap values", () => {
    const secret = Buffer.concat([meta("s"), mapEntry(2, "k", msg(2, Buffer.from([0, 255, 1]))), mapEntry(4, "plain", "text"), msg(3, "Opaque"), int(5, true)]);
    expect(decodeProtobufBody(envelope("v1", "Secret", secret))).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { k: "AP8B" },
      stringData: { plain: "text" },
      type: "Opaque",
      immutable: true,
    });
    const cm = Buffer.concat([meta("x"), mapEntry(2, "a", "b"), mapEntry(2, "empty", ""), msg(2, msg(1, "nothing")), mapEntry(3, "bin", msg(2, "hi")), int(4, false)]);
    expect(decodeProtobufBody(envelope("v1", "ConfigMap", cm))).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x" },
      data: { a: "b", empty: "", nothing: "" },
      binaryData: { bin: "aGk=" },
      immutable: false,
    });
  });

  it("decode Service ports with numeric, named and unset target ports", () => {
    const port = (name: string, p: number, target: Buffer) => msg(1, msg(1, name), msg(2, "TCP"), int(3, p), msg(4, target), int(5, 0));
    const spec = Buffer.concat([
      port("http", 80, Buffer.concat([int(1, 0), int(2, 8080), msg(3, "")])),
      port("named", 81, Buffer.concat([int(1, 1), int(2, 0), msg(3, "web")])),
      port("same", 82, Buffer.concat([int(1, 0), int(2, 0), msg(3, "")])),
      mapEntry(2, "app", "web"),
      msg(3, ""),
      msg(4, "NodePort"),
    ]);
    const svc = decodeProtobufBody(envelope("v1", "Service", Buffer.concat([meta("web"), msg(2, spec)])));
    expect(svc.spec).toEqual({
      ports: [
        { name: "http", protocol: "TCP", port: 80, targetPort: 8080 },
        { name: "named", protocol: "TCP", port: 81, targetPort: "web" },
        { name: "same", protocol: "TCP", port: 82 },
      ],
      selector: { app: "web" },
      type: "NodePort",
    });
  });

  it("merge embedded structs, read packed and unpacked int lists and negative numbers", () => {
    const volume = msg(1, msg(1, "cfg"), msg(2, msg(19, msg(1, msg(1, "settings")), int(3, 420))));
    const packed = Buffer.concat([key(4, 2), varint(3), varint(5), varint(6), varint(7)]);
    const podSpec = Buffer.concat([volume, msg(14, packed, int(4, 8), int(2, 1000)), int(25, -5), int(4, 0)]);
    const pod = decodeProtobufBody(envelope("v1", "Pod", Buffer.concat([meta("p"), msg(2, podSpec)])));
    expect(pod.spec).toEqual({
      volumes: [{ name: "cfg", configMap: { name: "settings", defaultMode: 420 } }],
      securityContext: { supplementalGroups: [5, 6, 7, 8], runAsUser: 1000 },
      priority: -5,
      terminationGracePeriodSeconds: 0,
    });
  });

  it("write times as RFC 3339 and micro times with microseconds", () => {
    const lease = Buffer.concat([
      meta("node-1", msg(9, time(1_700_000_000))),
      msg(2, msg(1, "node-1"), int(2, 40), msg(4, time(1_700_000_001, 123_456_789))),
    ]);
    expect(decodeProtobufBody(envelope("coordination.k8s.io/v1", "Lease", lease))).toEqual({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "node-1", deletionTimestamp: "2023-11-14T22:13:20Z" },
      spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2023-11-14T22:13:21.123456Z" },
    });
  });

  it("skip unknown field numbers of every wire type, also nested", () => {
    const raw = Buffer.concat([
      meta("team-a", int(99, 7), msg(98, "future")),
      key(50, 1), Buffer.alloc(8),
      key(51, 5), Buffer.alloc(4),
      msg(2, msg(1, "kubernetes"), msg(77, "x")),
    ]);
    expect(decodeProtobufBody(envelope("v1", "Namespace", raw))).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "team-a" },
      spec: { finalizers: ["kubernetes"] },
    });
  });

  it("decode managedFields' FieldsV1 as JSON", () => {
    const entry = msg(17, msg(1, "kubectl"), msg(2, "Update"), msg(3, "v1"), msg(6, "FieldsV1"), msg(7, msg(1, '{"f:data":{}}')));
    const cm = decodeProtobufBody(envelope("v1", "ConfigMap", msg(1, msg(1, "x"), entry)));
    expect(cm.metadata).toEqual({
      name: "x",
      managedFields: [{ manager: "kubectl", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": {} } }],
    });
  });

  it("accept DeleteOptions of any group version", () => {
    const body = envelope("apps/v1", "DeleteOptions", Buffer.concat([int(1, 0), msg(4, "Foreground"), msg(5, "All")]));
    expect(decodeProtobufBody(body)).toEqual({
      apiVersion: "apps/v1",
      kind: "DeleteOptions",
      gracePeriodSeconds: 0,
      propagationPolicy: "Foreground",
      dryRun: ["All"],
    });
  });
});

describe("protobuf bodies that cannot be decoded", () => {
  const good = envelope("v1", "ConfigMap", Buffer.concat([meta("x"), mapEntry(2, "a", "b")]));

  it("report a missing magic or a truncated body as 400 BadRequest", () => {
    expect(apiError(() => decodeProtobufBody(Buffer.from('{"kind":"ConfigMap"}'))).code).toBe(400);
    const e = apiError(() => decodeProtobufBody(good.subarray(0, good.length - 7)));
    expect(e.code).toBe(400);
    expect(e.reason).toBe("BadRequest");
    expect(e.message).toMatch(/error decoding protobuf body/);
  });

  it("never fail with anything but a 400 for any truncation or corrupted byte", () => {
    for (let n = 0; n < good.length; n++) {
      try {
        decodeProtobufBody(good.subarray(0, n));
      } catch (e) {
        expect(e instanceof ApiError && e.code === 400, `prefix ${n}: ${e}`).toBe(true);
      }
      const corrupt = Buffer.from(good);
      corrupt[n] ^= 0xff;
      try {
        decodeProtobufBody(corrupt);
      } catch (e) {
        expect(e instanceof ApiError && (e.code === 400 || e.code === 415), `byte ${n}: ${e}`).toBe(true);
      }
    }
  });

  it("report a field with the wrong wire type as 400", () => {
    const e = apiError(() => decodeProtobufBody(envelope("v1", "ConfigMap", Buffer.concat([meta("x"), int(2, 5)]))));
    expect(e.code).toBe(400);
    expect(e.message).toMatch(/data/);
  });

  it("report kinds without a protobuf schema and compressed bodies as 415 UnsupportedMediaType", () => {
    const e = apiError(() => decodeProtobufBody(envelope("apps/v1", "StatefulSet", meta("db"))));
    expect(e.code).toBe(415);
    expect(e.reason).toBe("UnsupportedMediaType");
    expect(e.message).toMatch(/protobuf bodies are supported for v1 Namespace, .*apps\/v1 Deployment.*not for apps\/v1 StatefulSet; send JSON/);
    expect(apiError(() => decodeProtobufBody(envelope("v1", "ConfigMap", meta("x"), "gzip"))).code).toBe(415);
  });
});
