// Installing kubelab on the nodes over SSH with @pulumi/command: wait for the startup script's
// ready marker, copy the bundle, units and scripts, then install and (re)start the service. The
// install command embeds the sha256 of everything it installs, so a code change is an in-place
// update that re-runs the install and restarts the service; nothing else is touched.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, sha256File, vmFilePath } from "./vm-files";

/** What `npm run build` produced: the one-file bundles and the modules the master's store loads beside it. */
export interface Deployment {
  /** The whole CLI, for masters. */
  bundlePath: string;
  /** The CLI with the agent alone, for workers (installed there as kubelab.mjs too). */
  agentBundlePath: string;
  /** tar.gz of node_modules/better-sqlite3 (+ bindings, file-uri-to-path), for the master's store. */
  nativeModulesPath: string;
}

/** What `npm run build` wrote to dist/ (KUBELAB_DIST_DIR names another folder). */
export function defaultDeployment(dist = process.env.KUBELAB_DIST_DIR ?? path.join(REPO_ROOT, "dist")): Deployment {
  return {
    bundlePath: path.join(dist, "kubelab.mjs"),
    agentBundlePath: path.join(dist, "kubelab-agent.mjs"),
    nativeModulesPath: path.join(dist, "kubelab-native-modules.tar.gz"),
  };
}

/** Throws before any resource when the bundle is missing (run `npm run build` first). */
export function checkDeployment(d: Deployment): void {
  for (const f of [d.bundlePath, d.agentBundlePath, d.nativeModulesPath]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` before \`pulumi up\``);
  }
}

interface NodeTarget {
  host: pulumi.Input<string>;
  user: string;
  privateKey: pulumi.Input<string>;
  /** The VM: when it is replaced, its id changes and every step below runs again on the new one. */
  instance: pulumi.CustomResource;
  /** kubelab:kubelabVersion, reported by `kubelab --version` on the node (KUBELAB_VERSION). */
  version: string;
}

function connection(t: NodeTarget): command.types.input.remote.ConnectionArgs {
  // Freshly booted VMs refuse SSH for a while: keep dialling (about 10 minutes at most).
  return { host: t.host, user: t.user, privateKey: t.privateKey, dialErrorLimit: 60, perDialTimeout: 10 };
}

const STAGING = (user: string) => `/home/${user}/kubelab-deploy`;

/**
 * The first command on a fresh VM: waits (at most 15 minutes) for the startup script's marker,
 * showing the startup script's log when it never comes, then makes the staging folder.
 */
export function waitForReadyScript(staging: string, marker = "/var/lib/kubelab-ready", tries = 450): string {
  return [
    `for _ in $(seq 1 ${tries}); do test -f ${marker} && break; sleep 2; done`,
    `if ! test -f ${marker}; then echo "the startup script did not finish; its log:" >&2; sudo journalctl -u google-startup-scripts.service --no-pager 2>&1 | tail -n 40 >&2; exit 1; fi`,
    `mkdir -p ${staging}`,
  ].join("\n");
}

/** Waits for the startup script's marker, then copies each file; returns what the install waits on. */
function stage(name: string, t: NodeTarget, files: Record<string, string>, parent: pulumi.Resource) {
  const conn = connection(t);
  const triggers = [t.instance.id];
  const ready = new command.remote.Command(`${name}-ready`, {
    connection: conn,
    create: waitForReadyScript(STAGING(t.user)),
    triggers,
  }, { parent, dependsOn: [t.instance] });
  const copies = Object.entries(files).map(([remoteName, local]) => new command.remote.CopyToRemote(`${name}-copy-${remoteName.replace(/[^a-z0-9]+/gi, "-")}`, {
    connection: conn,
    source: new pulumi.asset.FileAsset(local),
    remotePath: `${STAGING(t.user)}/${remoteName}`,
    triggers,
  }, { parent, dependsOn: [ready] }));
  const digest = Object.entries(files).map(([remoteName, local]) => `${remoteName}=${sha256File(local)}`).join(" ");
  return { conn, copies, digest, triggers };
}

export interface MasterInstallArgs extends NodeTarget {
  internalIp: pulumi.Input<string>;
  /** The workers' node names: each gets a bootstrap kubeconfig made for its install. */
  workers: string[];
  gitUrl?: string;
  deployment: Deployment;
  /** The API's public address (the load balancer's with several masters; default: host). */
  publicIp?: pulumi.Input<string>;
  /** Prefix of this master's resources (default `${name}-master`). */
  node?: string;
}

export interface MasterInstall {
  install: command.remote.Command;
  adminKubeconfig: pulumi.Output<string>;
  /**
   * Each worker's bootstrap kubeconfig, by node name (secret): a short-lived bootstrap token (1 h),
   * which the worker's agent exchanges for its own certificate; no node credential is in the state.
   */
  bootstrapKubeconfigs: Record<string, pulumi.Output<string>>;
  /** @deprecated alias of bootstrapKubeconfigs (cluster.ts passes it as nodeKubeconfig). */
  nodeKubeconfigs: Record<string, pulumi.Output<string>>;
}

export function installMaster(name: string, args: MasterInstallArgs, parent: pulumi.Resource): MasterInstall {
  const node = args.node ?? `${name}-master`;
  const { conn, copies, digest, triggers } = stage(node, args, {
    "kubelab.mjs": args.deployment.bundlePath,
    "native-modules.tar.gz": args.deployment.nativeModulesPath,
    "kubelab-server.service": vmFilePath("kubelab-server.service"),
    "install-node.sh": vmFilePath("install-node.sh"),
    "install-master.sh": vmFilePath("install-master.sh"),
    "bootstrap-token.sh": vmFilePath("bootstrap-token.sh"),
    "post-receive": vmFilePath("post-receive"),
  }, parent);
  const gitFlag = args.gitUrl ? ` --git-url '${args.gitUrl.replace(/'/g, "'\\''")}'` : "";
  const install = new command.remote.Command(`${node}-install`, {
    connection: conn,
    create: pulumi.interpolate`sudo bash ${STAGING(args.user)}/install-master.sh --staging ${STAGING(args.user)} --public-ip ${args.publicIp ?? args.host} --internal-ip ${args.internalIp} --git-user ${args.user} --version ${args.version}${gitFlag} # ${digest}`,
    triggers,
  }, { parent, dependsOn: copies });
  // The admin token and the certificate are generated on the master once and read back as
  // secrets; each worker's bootstrap token is made for it there (bootstrap-token.sh) and expires.
  const remote = (suffix: string, create: string) => new command.remote.Command(`${node}-${suffix}`, {
    connection: conn,
    create,
    logging: "none",
    triggers,
  }, { parent, dependsOn: [install], additionalSecretOutputs: ["stdout"] }).stdout;
  const bootstrapKubeconfigs = Object.fromEntries(args.workers.map((w) => [w, pulumi.secret(remote(`bootstrap-${w}`, `sudo bash /opt/kubelab/bootstrap-token.sh # ${w}`))]));
  return {
    install,
    adminKubeconfig: pulumi.secret(remote("read-admin-kubeconfig", "sudo cat /etc/kubelab/admin.kubeconfig")),
    bootstrapKubeconfigs,
    nodeKubeconfigs: bootstrapKubeconfigs,
  };
}

export interface WorkerInstallArgs extends NodeTarget {
  internalIp: string;
  podCidr: string;
  nodeKubeconfig: pulumi.Input<string>;
  deployment: Deployment;
}

export function installWorker(node: string, args: WorkerInstallArgs, parent: pulumi.Resource): command.remote.Command {
  const { conn, copies, digest, triggers } = stage(node, args, {
    "kubelab.mjs": args.deployment.agentBundlePath,
    "kubelab-agent.service": vmFilePath("kubelab-agent.service"),
    "install-node.sh": vmFilePath("install-node.sh"),
    "install-worker.sh": vmFilePath("install-worker.sh"),
    "allow-pod-traffic.sh": vmFilePath("allow-pod-traffic.sh"),
  }, parent);
  return new command.remote.Command(`${node}-install`, {
    connection: conn,
    // The bootstrap kubeconfig (with its token) goes through stdin, never the command line.
    create: `sudo bash ${STAGING(args.user)}/install-worker.sh --staging ${STAGING(args.user)} --node-name ${node} --address ${args.internalIp} --pod-cidr ${args.podCidr} --version ${args.version} # ${digest}`,
    stdin: args.nodeKubeconfig,
    logging: "stdoutAndStderr",
    triggers,
  }, { parent, dependsOn: copies });
}
