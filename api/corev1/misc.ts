// core/v1 Namespace, ConfigMap, Secret, Event, Binding.
import { z } from "zod";
import { mergeBy, MicroTime, ObjectMeta, StringMap, Time, typeMeta } from "../meta";
import { ObjectReference } from "./service";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });

export const NamespaceCondition = z
  .strictObject({
    type: z.string(),
    status: z.string(),
    lastTransitionTime: Time.optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
  })
  .meta(id("NamespaceCondition", "NamespaceCondition contains details about state of namespace."));

export const Namespace = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: z
      .strictObject({
        finalizers: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: "Finalizers is an opaque list of values that must be empty to permanently remove object from storage." }),
      })
      .meta(id("NamespaceSpec", "NamespaceSpec describes the attributes on a Namespace."))
      .optional(),
    status: z
      .strictObject({
        phase: z.string().optional().describe("Phase is the current lifecycle phase of the namespace: Active or Terminating."),
        conditions: z.array(NamespaceCondition).optional().meta({ ...mergeBy("type"), "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map" }),
      })
      .meta(id("NamespaceStatus", "NamespaceStatus is information about the current status of a Namespace."))
      .optional(),
  })
  .meta(id("Namespace", "Namespace provides a scope for Names. Use of multiple namespaces is optional."));
export type Namespace = z.infer<typeof Namespace>;

export const ConfigMap = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    immutable: z.boolean().optional().describe("Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated."),
    data: StringMap.optional().describe("Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
    binaryData: StringMap.optional().describe("BinaryData contains the binary data (base64)."),
  })
  .meta(id("ConfigMap", "ConfigMap holds configuration data for pods to consume."));
export type ConfigMap = z.infer<typeof ConfigMap>;

export const Secret = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    immutable: z.boolean().optional(),
    data: StringMap.optional().describe("Data contains the secret data. The serialized form of the secret data is a base64 encoded string."),
    stringData: StringMap.optional().describe("stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience."),
    type: z.string().optional().describe("Used to facilitate programmatic handling of secret data. Defaults to Opaque."),
  })
  .meta(id("Secret", "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes."));
export type Secret = z.infer<typeof Secret>;

export const EventSource = z
  .strictObject({
    component: z.string().optional().describe("Component from which the event is generated."),
    host: z.string().optional().describe("Node name on which the event is generated."),
  })
  .meta(id("EventSource", "EventSource contains information for an event."));

export const Event = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    involvedObject: ObjectReference.describe("The object that this event is about."),
    reason: z.string().optional().describe("This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    message: z.string().optional().describe("A human-readable description of the status of this operation."),
    source: EventSource.optional().describe("The component reporting this event."),
    firstTimestamp: Time.optional().describe("The time at which the event was first recorded."),
    lastTimestamp: Time.optional().describe("The time at which the most recent occurrence of this event was recorded."),
    count: z.number().int().optional().describe("The number of times this event has occurred."),
    type: z.string().optional().describe("Type of this event (Normal, Warning), new types could be added in the future"),
    eventTime: MicroTime.optional().describe("Time when this Event was first observed."),
    series: z
      .strictObject({ count: z.number().int().optional(), lastObservedTime: MicroTime.optional() })
      .meta(id("EventSeries", "EventSeries contain information on series of events."))
      .optional(),
    action: z.string().optional().describe("What action was taken/failed regarding to the Regarding object."),
    related: ObjectReference.optional(),
    reportingComponent: z.string().optional(),
    reportingInstance: z.string().optional(),
  })
  .meta(id("Event", "Event is a report of an event somewhere in the cluster."));
export type Event = z.infer<typeof Event>;

export const Binding = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    target: ObjectReference.describe("The target object that you want to bind to the standard object."),
  })
  .meta(id("Binding", "Binding ties one object to another; for example, a pod is bound to a node by a scheduler."));
export type Binding = z.infer<typeof Binding>;
