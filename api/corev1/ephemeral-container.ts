// core/v1 EphemeralContainer: a debugging container added to a running pod through
// pods/ephemeralcontainers, never removed, changed or restarted. Its validation is in
// ephemeral-container-rules.ts (it needs the Pod, which embeds this schema).
import { z } from "zod";
import { Container } from "./container";

export const EphemeralContainer = Container.extend({
  targetContainerName: z
    .string()
    .optional()
    .describe("If set, the name of the container from PodSpec that this ephemeral container targets. The ephemeral container will be run in the namespaces (IPC, PID, etc) of this container."),
}).meta({
  id: "io.k8s.api.core.v1.EphemeralContainer",
  description: "An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.",
});
export type EphemeralContainer = z.infer<typeof EphemeralContainer>;
