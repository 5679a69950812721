// core/v1 Container and what it is made of: ports, env, resources, probes, lifecycle, security.
import { z } from "zod";
import { mergeBy } from "../meta";
import { IntOrString, Quantity, ResourceList } from "../quantity-schema";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });
const int = () => z.number().int();

export const ContainerPort = z
  .strictObject({
    name: z.string().optional().describe("If specified, this must be an IANA_SVC_NAME and unique within the pod."),
    hostPort: int().optional().describe("Number of port to expose on the host."),
    containerPort: int().describe("Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536."),
    protocol: z.string().optional().describe('Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".'),
    hostIP: z.string().optional().describe("What host IP to bind the external port to."),
  })
  .meta(id("ContainerPort", "ContainerPort represents a network port in a single container."));
export type ContainerPort = z.infer<typeof ContainerPort>;

export const ObjectFieldSelector = z
  .strictObject({
    apiVersion: z.string().optional().describe('Version of the schema the FieldPath is written in terms of, defaults to "v1".'),
    fieldPath: z.string().describe("Path of the field to select in the specified API version."),
  })
  .meta(id("ObjectFieldSelector", "ObjectFieldSelector selects an APIVersioned field of an object."));

export const ResourceFieldSelector = z
  .strictObject({
    containerName: z.string().optional(),
    resource: z.string().describe("Required: resource to select"),
    divisor: Quantity.optional(),
  })
  .meta(id("ResourceFieldSelector", "ResourceFieldSelector represents container resources (cpu, memory) and their output format"));

const keySelector = (name: string, what: string) =>
  z
    .strictObject({
      name: z.string().optional().describe(`Name of the referent.`),
      key: z.string().describe(`The key of the ${what} to select from.`),
      optional: z.boolean().optional().describe(`Specify whether the ${what} or its key must be defined`),
    })
    .meta(id(name, `Selects a key from a ${what}.`));

export const ConfigMapKeySelector = keySelector("ConfigMapKeySelector", "ConfigMap");
export const SecretKeySelector = keySelector("SecretKeySelector", "Secret");

export const EnvVarSource = z
  .strictObject({
    fieldRef: ObjectFieldSelector.optional(),
    resourceFieldRef: ResourceFieldSelector.optional(),
    configMapKeyRef: ConfigMapKeySelector.optional(),
    secretKeyRef: SecretKeySelector.optional(),
  })
  .meta(id("EnvVarSource", "EnvVarSource represents a source for the value of an EnvVar."));

export const EnvVar = z
  .strictObject({
    name: z.string().describe("Name of the environment variable."),
    value: z.string().optional().describe("Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container."),
    valueFrom: EnvVarSource.optional().describe("Source for the environment variable's value. Cannot be used if value is not empty."),
  })
  .meta(id("EnvVar", "EnvVar represents an environment variable present in a Container."));
export type EnvVar = z.infer<typeof EnvVar>;

const envSource = (name: string, what: string) =>
  z
    .strictObject({
      name: z.string().optional().describe("Name of the referent."),
      optional: z.boolean().optional().describe(`Specify whether the ${what} must be defined`),
    })
    .meta(id(name, `Selects a ${what} to populate the environment variables with.`));

export const EnvFromSource = z
  .strictObject({
    prefix: z.string().optional().describe("Optional text to prepend to the name of each environment variable."),
    configMapRef: envSource("ConfigMapEnvSource", "ConfigMap").optional(),
    secretRef: envSource("SecretEnvSource", "Secret").optional(),
  })
  .meta(id("EnvFromSource", "EnvFromSource represents the source of a set of ConfigMaps or Secrets"));

export const ResourceRequirements = z
  .strictObject({
    limits: ResourceList.optional().describe("Limits describes the maximum amount of compute resources allowed."),
    requests: ResourceList.optional().describe("Requests describes the minimum amount of compute resources required."),
    claims: z.array(z.strictObject({ name: z.string(), request: z.string().optional() })).optional(),
  })
  .meta(id("ResourceRequirements", "ResourceRequirements describes the compute resource requirements."));
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const VolumeMount = z
  .strictObject({
    name: z.string().describe("This must match the Name of a Volume."),
    readOnly: z.boolean().optional(),
    recursiveReadOnly: z.string().optional(),
    mountPath: z.string().describe("Path within the container at which the volume should be mounted. Must not contain ':'."),
    subPath: z.string().optional(),
    mountPropagation: z.string().optional(),
    subPathExpr: z.string().optional(),
  })
  .meta(id("VolumeMount", "VolumeMount describes a mounting of a Volume within a container."));
export type VolumeMount = z.infer<typeof VolumeMount>;

export const ExecAction = z
  .strictObject({ command: z.array(z.string()).optional().describe("Command is the command line to execute inside the container.") })
  .meta(id("ExecAction", "ExecAction describes a \"run in container\" action."));

export const HTTPHeader = z.strictObject({ name: z.string(), value: z.string().optional() }).meta(id("HTTPHeader", "HTTPHeader describes a custom header to be used in HTTP probes"));

export const HTTPGetAction = z
  .strictObject({
    path: z.string().optional().describe("Path to access on the HTTP server."),
    port: IntOrString.describe("Name or number of the port to access on the container."),
    host: z.string().optional(),
    scheme: z.string().optional().describe("Scheme to use for connecting to the host. Defaults to HTTP."),
    httpHeaders: z.array(HTTPHeader).optional(),
  })
  .meta(id("HTTPGetAction", "HTTPGetAction describes an action based on HTTP Get requests."));

export const TCPSocketAction = z
  .strictObject({ port: IntOrString.describe("Number or name of the port to access on the container."), host: z.string().optional() })
  .meta(id("TCPSocketAction", "TCPSocketAction describes an action based on opening a socket"));

export const GRPCAction = z
  .strictObject({ port: int().describe("Port number of the gRPC service."), service: z.string().optional() })
  .meta(id("GRPCAction", "GRPCAction specifies an action involving a GRPC service."));

export const Probe = z
  .strictObject({
    exec: ExecAction.optional(),
    httpGet: HTTPGetAction.optional(),
    tcpSocket: TCPSocketAction.optional(),
    grpc: GRPCAction.optional(),
    initialDelaySeconds: int().optional().describe("Number of seconds after the container has started before liveness probes are initiated."),
    timeoutSeconds: int().optional().describe("Number of seconds after which the probe times out. Defaults to 1 second."),
    periodSeconds: int().optional().describe("How often (in seconds) to perform the probe. Default to 10 seconds."),
    successThreshold: int().optional().describe("Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1."),
    failureThreshold: int().optional().describe("Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3."),
    terminationGracePeriodSeconds: int().optional(),
  })
  .meta(id("Probe", "Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic."));
export type Probe = z.infer<typeof Probe>;

export const LifecycleHandler = z
  .strictObject({
    exec: ExecAction.optional(),
    httpGet: HTTPGetAction.optional(),
    tcpSocket: TCPSocketAction.optional(),
    sleep: z.strictObject({ seconds: int() }).optional(),
  })
  .meta(id("LifecycleHandler", "LifecycleHandler defines a specific action that should be taken in a lifecycle hook."));

export const Lifecycle = z
  .strictObject({
    postStart: LifecycleHandler.optional().describe("PostStart is called immediately after a container is created."),
    preStop: LifecycleHandler.optional().describe("PreStop is called immediately before a container is terminated."),
    stopSignal: z.string().optional(),
  })
  .meta(id("Lifecycle", "Lifecycle describes actions that the management system should take in response to container lifecycle events."));

const typedProfile = (name: string) =>
  z.strictObject({ type: z.string(), localhostProfile: z.string().optional() }).meta(id(name, `${name} defines a pod/container's profile settings.`));

export const SeccompProfile = typedProfile("SeccompProfile");
export const AppArmorProfile = typedProfile("AppArmorProfile");

export const SELinuxOptions = z
  .strictObject({ user: z.string().optional(), role: z.string().optional(), type: z.string().optional(), level: z.string().optional() })
  .meta(id("SELinuxOptions", "SELinuxOptions are the labels to be applied to the container"));

export const WindowsSecurityContextOptions = z
  .strictObject({
    gmsaCredentialSpecName: z.string().optional(),
    gmsaCredentialSpec: z.string().optional(),
    runAsUserName: z.string().optional(),
    hostProcess: z.boolean().optional(),
  })
  .meta(id("WindowsSecurityContextOptions", "WindowsSecurityContextOptions contain Windows-specific options and credentials."));

export const SecurityContext = z
  .strictObject({
    capabilities: z.strictObject({ add: z.array(z.string()).optional(), drop: z.array(z.string()).optional() }).optional(),
    privileged: z.boolean().optional(),
    seLinuxOptions: SELinuxOptions.optional(),
    windowsOptions: WindowsSecurityContextOptions.optional(),
    runAsUser: int().optional(),
    runAsGroup: int().optional(),
    runAsNonRoot: z.boolean().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    procMount: z.string().optional(),
    seccompProfile: SeccompProfile.optional(),
    appArmorProfile: AppArmorProfile.optional(),
  })
  .meta(id("SecurityContext", "SecurityContext holds security configuration that will be applied to a container."));

export const Container = z
  .strictObject({
    name: z.string().describe("Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated."),
    image: z.string().optional().describe("Container image name."),
    command: z.array(z.string()).optional().describe("Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided."),
    args: z.array(z.string()).optional().describe("Arguments to the entrypoint. The container image's CMD is used if this is not provided."),
    workingDir: z.string().optional().describe("Container's working directory."),
    ports: z
      .array(ContainerPort)
      .optional()
      .meta({
        ...mergeBy("containerPort"),
        "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
        "x-kubernetes-list-type": "map",
        description: "List of ports to expose from the container.",
      }),
    envFrom: z.array(EnvFromSource).optional().describe("List of sources to populate environment variables in the container."),
    env: z
      .array(EnvVar)
      .optional()
      .meta({ ...mergeBy("name"), description: "List of environment variables to set in the container. Cannot be updated." }),
    resources: ResourceRequirements.optional().describe("Compute Resources required by this container."),
    resizePolicy: z.array(z.strictObject({ resourceName: z.string(), restartPolicy: z.string() })).optional(),
    restartPolicy: z.string().optional().describe("RestartPolicy defines the restart behavior of individual containers in a pod (only \"Always\" for sidecar init containers)."),
    volumeMounts: z
      .array(VolumeMount)
      .optional()
      .meta({ ...mergeBy("mountPath"), description: "Pod volumes to mount into the container's filesystem. Cannot be updated." }),
    volumeDevices: z
      .array(z.strictObject({ name: z.string(), devicePath: z.string() }))
      .optional()
      .meta({ ...mergeBy("devicePath"), description: "volumeDevices is the list of block devices to be used by the container." }),
    livenessProbe: Probe.optional().describe("Periodic probe of container liveness. Container will be restarted if the probe fails."),
    readinessProbe: Probe.optional().describe("Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails."),
    startupProbe: Probe.optional().describe("StartupProbe indicates that the Pod has successfully initialized."),
    lifecycle: Lifecycle.optional().describe("Actions that the management system should take in response to container lifecycle events."),
    terminationMessagePath: z.string().optional().describe("Path at which the file to which the container's termination message will be written. Defaults to /dev/termination-log."),
    terminationMessagePolicy: z.string().optional().describe("Indicate how the termination message should be populated: File or FallbackToLogsOnError. Defaults to File."),
    imagePullPolicy: z
      .string()
      .optional()
      .describe("Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise."),
    securityContext: SecurityContext.optional().describe("SecurityContext defines the security options the container should be run with."),
    stdin: z.boolean().optional(),
    stdinOnce: z.boolean().optional(),
    tty: z.boolean().optional(),
  })
  .meta(id("Container", "A single application container that you want to run within a pod."));
export type Container = z.infer<typeof Container>;
