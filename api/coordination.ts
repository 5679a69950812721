// coordination.k8s.io/v1 Lease: node heartbeats and leader election.
import { z } from "zod";
import { MicroTime, ObjectMeta, typeMeta } from "./meta";

export const LeaseSpec = z
  .strictObject({
    holderIdentity: z.string().optional().describe("holderIdentity contains the identity of the holder of a current lease."),
    leaseDurationSeconds: z.number().int().optional().describe("leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime."),
    acquireTime: MicroTime.optional().describe("acquireTime is a time when the current lease was acquired."),
    renewTime: MicroTime.optional().describe("renewTime is a time when the current holder of a lease has last updated the lease."),
    leaseTransitions: z.number().int().optional().describe("leaseTransitions is the number of transitions of a lease between holders."),
    strategy: z.string().optional(),
    preferredHolder: z.string().optional(),
  })
  .meta({ id: "io.k8s.api.coordination.v1.LeaseSpec", description: "LeaseSpec is a specification of a Lease." });
export type LeaseSpec = z.infer<typeof LeaseSpec>;

export const Lease = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"),
    spec: LeaseSpec.optional().describe("spec contains the specification of the Lease."),
  })
  .meta({ id: "io.k8s.api.coordination.v1.Lease", description: "Lease defines a lease concept." });
export type Lease = z.infer<typeof Lease>;
