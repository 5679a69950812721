// Pod spec -> Docker create options, as pure functions: the sandbox (pause) container that holds
// the pod's network and host ports, and the app containers that join it.
import type Docker from "dockerode";
import { parseQuantity } from "../../api/quantity";
import { ContainerConfigError } from "../env";
import type { Container } from "../../api/core";
import type { Pod } from "../types";

export interface SandboxOptions {
  name: string;
  image: string;
  labels: Record<string, string>;
  /** Docker network the pod joins ("bridge" unless the node is configured otherwise). */
  network: string;
  /** Host ports bind on this address (the node's --address). */
  hostIP: string;
}

export function sandboxCreateOptions(pod: Pod, opts: SandboxOptions): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const container of pod.spec.containers) {
    for (const port of container.ports ?? []) {
      if (!port.hostPort) continue;
      const key = `${port.containerPort}/${(port.protocol ?? "TCP").toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: port.hostIP ?? opts.hostIP, HostPort: String(port.hostPort) });
    }
  }
  const hostNetwork = pod.spec.hostNetwork === true;
  return {
    name: opts.name,
    Image: opts.image,
    Labels: opts.labels,
    Hostname: hostNetwork ? undefined : pod.spec.hostname ?? pod.metadata.name.slice(0, 63),
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: hostNetwork ? "host" : opts.network,
      PortBindings: hostNetwork ? undefined : bindings,
      IpcMode: "shareable",
      RestartPolicy: { Name: "no" },
      LogConfig: { Type: "json-file", Config: { "max-size": "1m" } },
    },
  };
}

export interface AppContainerOptions {
  name: string;
  image: string;
  labels: Record<string, string>;
  sandboxId: string;
  env: Map<string, string>;
  binds: string[];
  /** The image's configured user ("" = root), for the runAsNonRoot check. */
  imageUser: string;
}

function expand(values: string[] | undefined, env: Map<string, string>): string[] | undefined {
  return values?.map((v) =>
    v.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) =>
      m === "$$" ? "$" : name !== undefined && env.has(name) ? env.get(name)! : m,
    ),
  );
}

function effectiveUser(pod: Pod, container: Container): { user?: number; group?: number; nonRoot?: boolean } {
  const podSc = pod.spec.securityContext ?? {};
  const sc = container.securityContext ?? {};
  return {
    user: sc.runAsUser ?? podSc.runAsUser,
    group: sc.runAsGroup ?? podSc.runAsGroup,
    nonRoot: sc.runAsNonRoot ?? podSc.runAsNonRoot,
  };
}

/** The kubelet's runAsNonRoot check against the uid the container would run as. */
function checkNonRoot(nonRoot: boolean | undefined, user: number | undefined, imageUser: string): void {
  if (!nonRoot) return;
  if (user !== undefined) {
    if (user === 0) throw new ContainerConfigError("container's runAsUser breaks non-root policy");
    return;
  }
  const name = imageUser.split(":")[0] ?? "";
  if (name === "" || name === "root" || name === "0") {
    throw new ContainerConfigError("container has runAsNonRoot and image will run as root");
  }
  if (!/^\d+$/.test(name)) {
    throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${name}), cannot verify user is non-root`);
  }
}

function capability(name: string): string {
  return name.toUpperCase().startsWith("CAP_") ? name.toUpperCase() : `CAP_${name.toUpperCase()}`;
}

export function appContainerCreateOptions(
  pod: Pod,
  container: Container,
  opts: AppContainerOptions,
): Docker.ContainerCreateOptions {
  const { user, group, nonRoot } = effectiveUser(pod, container);
  checkNonRoot(nonRoot, user, opts.imageUser);
  const sc = container.securityContext ?? {};
  const limits = container.resources?.limits ?? {};
  const memory = limits.memory !== undefined ? Math.round(parseQuantity(limits.memory)) : undefined;
  const cpu = limits.cpu !== undefined ? Math.round(parseQuantity(limits.cpu) * 1e9) : undefined;
  const command = expand(container.command, opts.env);
  const args = expand(container.args, opts.env);
  return {
    name: opts.name,
    Image: opts.image,
    Labels: opts.labels,
    Entrypoint: command,
    // Kubernetes: a command without args ignores the image's CMD (Docker does the same when
    // Entrypoint is set and Cmd is not).
    Cmd: args,
    Env: [...opts.env].map(([k, v]) => `${k}=${v}`),
    WorkingDir: container.workingDir,
    User: user !== undefined ? (group !== undefined ? `${user}:${group}` : String(user)) : undefined,
    // No ExposedPorts: the container shares the sandbox's network, which holds the ports.
    Tty: container.tty ?? false,
    OpenStdin: container.stdin ?? false,
    HostConfig: {
      NetworkMode: `container:${opts.sandboxId}`,
      IpcMode: `container:${opts.sandboxId}`,
      Binds: opts.binds,
      Memory: memory,
      MemorySwap: memory, // no swap beyond the limit, as Kubernetes does
      NanoCpus: cpu,
      ReadonlyRootfs: sc.readOnlyRootFilesystem ?? false,
      Privileged: sc.privileged ?? false,
      CapAdd: sc.capabilities?.add?.map(capability),
      CapDrop: sc.capabilities?.drop?.map((c) => (c.toUpperCase() === "ALL" ? "ALL" : capability(c))),
      SecurityOpt: sc.allowPrivilegeEscalation === false ? ["no-new-privileges"] : undefined,
      RestartPolicy: { Name: "no" },
      LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "2" } },
    },
  };
}
