// batch/v1 Job and CronJob, as Kubernetes 1.32 serves them (k8s.io/api/batch/v1).
import { z } from "zod";
import { ObjectReference } from "./corev1/service";
import { PodTemplateSpec } from "./corev1/pod";
import { LabelSelector, mergeBy, ObjectMeta, Time, typeMeta } from "./meta";

const batch = (name: string, description: string) => ({ id: `io.k8s.api.batch.v1.${name}`, description });
const int = () => z.number().int();

export const PodFailurePolicyOnExitCodesRequirement = z
  .strictObject({
    containerName: z.string().optional().describe("Restricts the check for exit codes to the container with the specified name."),
    operator: z.string().describe("Represents the relationship between the container exit code(s) and the specified values. Possible values are: In, NotIn."),
    values: z.array(int()).meta({ "x-kubernetes-list-type": "set", description: "Specifies the set of values. Each returned container exit code (might be multiple in case of multiple containers) is checked against this set of values with respect to the operator." }),
  })
  .meta(batch("PodFailurePolicyOnExitCodesRequirement", "PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a failed pod based on its container exit codes."));

export const PodFailurePolicyOnPodConditionsPattern = z
  .strictObject({
    type: z.string().describe("Specifies the required Pod condition type."),
    status: z.string().optional().describe("Specifies the required Pod condition status. Defaults to True."),
  })
  .meta(batch("PodFailurePolicyOnPodConditionsPattern", "PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual pod condition type."));

export const PodFailurePolicyRule = z
  .strictObject({
    action: z.string().describe("Specifies the action taken on a pod failure when the requirements are satisfied. Possible values are: FailJob, FailIndex, Ignore, Count."),
    onExitCodes: PodFailurePolicyOnExitCodesRequirement.optional().describe("Represents the requirement on the container exit codes."),
    onPodConditions: z.array(PodFailurePolicyOnPodConditionsPattern).optional().meta({ "x-kubernetes-list-type": "atomic", description: "Represents the requirement on the pod conditions." }),
  })
  .meta(batch("PodFailurePolicyRule", "PodFailurePolicyRule describes how a pod failure is handled when the requirements are met."));
export type PodFailurePolicyRule = z.infer<typeof PodFailurePolicyRule>;

export const PodFailurePolicy = z
  .strictObject({
    rules: z.array(PodFailurePolicyRule).meta({ "x-kubernetes-list-type": "atomic", description: "A list of pod failure policy rules. The rules are evaluated in order." }),
  })
  .meta(batch("PodFailurePolicy", "PodFailurePolicy describes how failed pods influence the backoffLimit."));
export type PodFailurePolicy = z.infer<typeof PodFailurePolicy>;

export const SuccessPolicy = z
  .strictObject({
    rules: z
      .array(
        z
          .strictObject({
            succeededIndexes: z.string().optional().describe("succeededIndexes specifies the set of indexes which need to be contained in the actual set of the succeeded indexes for the Job."),
            succeededCount: int().optional().describe("succeededCount specifies the minimal required size of the actual set of the succeeded indexes for the Job."),
          })
          .meta(batch("SuccessPolicyRule", "SuccessPolicyRule describes rule for declaring a Job as succeeded.")),
      )
      .meta({ "x-kubernetes-list-type": "atomic", description: "rules represents the list of alternative rules for the declaring the Jobs as successful before `.status.succeeded >= .spec.completions`." }),
  })
  .meta(batch("SuccessPolicy", "SuccessPolicy describes when a Job can be declared as succeeded based on the success of some indexes."));

export const JobSpec = z
  .strictObject({
    parallelism: int().optional().describe("Specifies the maximum desired number of pods the job should run at any given time. Defaults to 1."),
    completions: int().optional().describe("Specifies the desired number of successfully finished pods the job should be run with."),
    activeDeadlineSeconds: int().optional().describe("Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it; value must be positive integer."),
    podFailurePolicy: PodFailurePolicy.optional().describe("Specifies the policy of handling failed pods."),
    successPolicy: SuccessPolicy.optional().describe("successPolicy specifies the policy when the Job can be declared as succeeded."),
    backoffLimit: int().optional().describe("Specifies the number of retries before marking this job failed. Defaults to 6"),
    backoffLimitPerIndex: int().optional().describe("Specifies the limit for the number of retries within an index before marking this index as failed."),
    maxFailedIndexes: int().optional().describe("Specifies the maximal number of failed indexes before marking the Job as failed, when backoffLimitPerIndex is set."),
    selector: LabelSelector.optional().describe("A label query over pods that should match the pod count. Normally, the system sets this field for you."),
    manualSelector: z.boolean().optional().describe("manualSelector controls generation of pod labels and pod selectors. Leave `manualSelector` unset unless you are certain what you are doing."),
    template: PodTemplateSpec.describe('Describes the pod that will be created when executing a job. The only allowed template.spec.restartPolicy values are "Never" or "OnFailure".'),
    ttlSecondsAfterFinished: int().optional().describe("ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed)."),
    completionMode: z.string().optional().describe("completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`."),
    suspend: z.boolean().optional().describe("suspend specifies whether the Job controller should create Pods or not. Defaults to false."),
    podReplacementPolicy: z.string().optional().describe("podReplacementPolicy specifies when to create replacement Pods. Possible values are: TerminatingOrFailed, Failed."),
    managedBy: z.string().optional().describe("ManagedBy field indicates the controller that manages a Job."),
  })
  .meta(batch("JobSpec", "JobSpec describes how the job execution will look like."));
export type JobSpec = z.infer<typeof JobSpec>;

export const JobCondition = z
  .strictObject({
    type: z.string().describe("Type of job condition, Complete or Failed."),
    status: z.string().describe("Status of the condition, one of True, False, Unknown."),
    lastProbeTime: Time.optional().describe("Last time the condition was checked."),
    lastTransitionTime: Time.optional().describe("Last time the condition transit from one status to another."),
    reason: z.string().optional().describe("(brief) reason for the condition's last transition."),
    message: z.string().optional().describe("Human readable message indicating details about last transition."),
  })
  .meta(batch("JobCondition", "JobCondition describes current state of a job."));
export type JobCondition = z.infer<typeof JobCondition>;

export const JobStatus = z
  .strictObject({
    conditions: z.array(JobCondition).optional().meta({ ...mergeBy("type"), "x-kubernetes-list-type": "atomic", description: "The latest available observations of an object's current state." }),
    startTime: Time.optional().describe("Represents time when the job controller started processing a job."),
    completionTime: Time.optional().describe("Represents time when the job was completed."),
    active: int().optional().describe("The number of pending and running pods which are not terminating."),
    succeeded: int().optional().describe("The number of pods which reached phase Succeeded."),
    failed: int().optional().describe("The number of pods which reached phase Failed."),
    terminating: int().optional().describe("The number of pods which are terminating (that have .metadata.deletionTimestamp)."),
    completedIndexes: z.string().optional().describe("completedIndexes holds the completed indexes when .spec.completionMode = \"Indexed\" in a text format."),
    failedIndexes: z.string().optional().describe("FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set."),
    uncountedTerminatedPods: z
      .strictObject({
        succeeded: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "set" }),
        failed: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "set" }),
      })
      .meta(batch("UncountedTerminatedPods", "UncountedTerminatedPods holds UIDs of Pods that have terminated but haven't been accounted in Job status counters."))
      .optional(),
    ready: int().optional().describe("The number of active pods which have a Ready condition and are not terminating (without a deletionTimestamp)."),
  })
  .meta(batch("JobStatus", "JobStatus represents the current state of a Job."));
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: JobSpec.describe("Specification of the desired behavior of a job."),
    status: JobStatus.optional().describe("Current status of a job."),
  })
  .meta(batch("Job", "Job represents the configuration of a single job."));
export type Job = z.infer<typeof Job>;

export const JobTemplateSpec = z
  .strictObject({
    metadata: ObjectMeta.optional().describe("Standard object's metadata of the jobs created from this template."),
    spec: JobSpec.optional().describe("Specification of the desired behavior of the job."),
  })
  .meta(batch("JobTemplateSpec", "JobTemplateSpec describes the data a Job should have when created from a template"));
export type JobTemplateSpec = z.infer<typeof JobTemplateSpec>;

export const CronJobSpec = z
  .strictObject({
    schedule: z.string().describe("The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    timeZone: z.string().optional().describe("The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    startingDeadlineSeconds: int().optional().describe("Optional deadline in seconds for starting the job if it misses scheduled time for any reason."),
    concurrencyPolicy: z.string().optional().describe("Specifies how to treat concurrent executions of a Job. Valid values are: Allow (default), Forbid, Replace."),
    suspend: z.boolean().optional().describe("This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false."),
    jobTemplate: JobTemplateSpec.describe("Specifies the job that will be created when executing a CronJob."),
    successfulJobsHistoryLimit: int().optional().describe("The number of successful finished jobs to retain. Value must be non-negative integer. Defaults to 3."),
    failedJobsHistoryLimit: int().optional().describe("The number of failed finished jobs to retain. Value must be non-negative integer. Defaults to 1."),
  })
  .meta(batch("CronJobSpec", "CronJobSpec describes how the job execution will look like and when it will actually run."));
export type CronJobSpec = z.infer<typeof CronJobSpec>;

export const CronJobStatus = z
  .strictObject({
    active: z.array(ObjectReference).optional().meta({ "x-kubernetes-list-type": "atomic", description: "A list of pointers to currently running jobs." }),
    lastScheduleTime: Time.optional().describe("Information when was the last time the job was successfully scheduled."),
    lastSuccessfulTime: Time.optional().describe("Information when was the last time the job successfully completed."),
  })
  .meta(batch("CronJobStatus", "CronJobStatus represents the current state of a cron job."));
export type CronJobStatus = z.infer<typeof CronJobStatus>;

export const CronJob = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: CronJobSpec.describe("Specification of the desired behavior of a cron job, including the schedule."),
    status: CronJobStatus.optional().describe("Current status of a cron job."),
  })
  .meta(batch("CronJob", "CronJob represents the configuration of a single cron job."));
export type CronJob = z.infer<typeof CronJob>;
