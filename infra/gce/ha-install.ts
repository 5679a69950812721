// The etcd cluster on several masters, over SSH with @pulumi/command (vm/install-etcd.sh): the
// first master makes the etcd certificates, every master gets them (a Pulumi secret, through
// stdin) and starts its member; after the first master's install, its control-plane secrets
// (tokens, CAs, service-account key, serving certificate for the load balancer's address) go
// to the others before theirs, so every API server accepts the same credentials.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitForReadyScript } from "./install";
import { ETCD_PEER_PORT } from "./network";
import { sha256File, vmFilePath } from "./vm-files";

export interface EtcdMaster {
  /** Instance name, the prefix of its resources. */
  name: string;
  member: string;
  host: pulumi.Input<string>;
  internalIp: string;
  instance: pulumi.CustomResource;
}

export interface EtcdInstallArgs {
  masters: EtcdMaster[];
  user: string;
  privateKey: pulumi.Input<string>;
}

const STAGING = (user: string) => `/home/${user}/kubelab-etcd`;

function connection(m: EtcdMaster, a: EtcdInstallArgs): command.types.input.remote.ConnectionArgs {
  return { host: m.host, user: a.user, privateKey: a.privateKey, dialErrorLimit: 60, perDialTimeout: 10 };
}

/** etcd's --initial-cluster: every member's peer URL. */
export function initialCluster(masters: { member: string; internalIp: string }[]): string {
  return masters.map((m) => `${m.member}=https://${m.internalIp}:${ETCD_PEER_PORT}`).join(",");
}

function stageEtcd(m: EtcdMaster, a: EtcdInstallArgs, parent: pulumi.Resource) {
  const conn = connection(m, a);
  const triggers = [m.instance.id];
  const ready = new command.remote.Command(`${m.name}-etcd-ready`, { connection: conn, create: waitForReadyScript(STAGING(a.user)), triggers }, { parent, dependsOn: [m.instance] });
  const files = { "install-etcd.sh": vmFilePath("install-etcd.sh"), "kubelab-server.service": vmFilePath("kubelab-server.service") };
  const copies = Object.entries(files).map(([remote, local]) => new command.remote.CopyToRemote(`${m.name}-etcd-copy-${remote.replace(/[^a-z0-9]+/gi, "-")}`, {
    connection: conn,
    source: new pulumi.asset.FileAsset(local),
    remotePath: `${STAGING(a.user)}/${remote}`,
    triggers,
  }, { parent, dependsOn: [ready] }));
  const digest = Object.entries(files).map(([remote, local]) => `${remote}=${sha256File(local)}`).join(" ");
  return { conn, copies, digest, triggers };
}

export interface EtcdCluster {
  /** Per master, what its kubelab install waits on (its member; the others: the shared secrets too). */
  members: command.remote.Command[];
  /** The etcd certificates as base64 tar (secret). */
  certificates: pulumi.Output<string>;
}

export function installEtcdCluster(a: EtcdInstallArgs, parent: pulumi.Resource): EtcdCluster {
  const staged = a.masters.map((m) => stageEtcd(m, a, parent));
  const first = staged[0];
  const script = `sudo bash ${STAGING(a.user)}/install-etcd.sh`;
  const ips = a.masters.map((m) => m.internalIp).join(",");
  const pki = new command.remote.Command(`${a.masters[0].name}-etcd-pki`, {
    connection: first.conn,
    create: `${script} pki --ips ${ips}`,
    logging: "none",
    triggers: first.triggers,
  }, { parent, dependsOn: first.copies, additionalSecretOutputs: ["stdout"] });
  const certificates = pulumi.secret(pki.stdout);
  const cluster = initialCluster(a.masters);
  const members = a.masters.map((m, i) => new command.remote.Command(`${m.name}-etcd`, {
    connection: staged[i].conn,
    create: `${script} member --name ${m.member} --ip ${m.internalIp} --initial-cluster ${cluster} --server-unit ${STAGING(a.user)}/kubelab-server.service # ${staged[i].digest}`,
    stdin: certificates,
    logging: "stderr",
    triggers: staged[i].triggers,
  }, { parent, dependsOn: [...staged[i].copies, pki] }));
  return { members, certificates };
}

/** The first master's control-plane secrets (after its install), for the others (secret). */
export function shareSecrets(first: EtcdMaster, a: EtcdInstallArgs, firstInstall: pulumi.Resource, parent: pulumi.Resource): pulumi.Output<string> {
  const cmd = new command.remote.Command(`${first.name}-share-secrets`, {
    connection: connection(first, a),
    create: `sudo bash ${STAGING(a.user)}/install-etcd.sh share`,
    logging: "none",
    triggers: [first.instance.id],
  }, { parent, dependsOn: [firstInstall], additionalSecretOutputs: ["stdout"] });
  return pulumi.secret(cmd.stdout);
}

/** Unpacks them on another master before its install (which then keeps them). */
export function receiveSecrets(m: EtcdMaster, a: EtcdInstallArgs, secrets: pulumi.Output<string>, member: command.remote.Command, parent: pulumi.Resource): command.remote.Command {
  return new command.remote.Command(`${m.name}-receive-secrets`, {
    connection: connection(m, a),
    create: `sudo bash ${STAGING(a.user)}/install-etcd.sh receive`,
    stdin: secrets,
    logging: "stderr",
    triggers: [m.instance.id],
  }, { parent, dependsOn: [member] });
}
