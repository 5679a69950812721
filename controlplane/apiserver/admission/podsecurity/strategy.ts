// Where Pod Security admission runs: after a kind's own admission, for Pods, Namespaces and the
// kinds with a pod template (Kubernetes' defaultPodSpecResources). strategies/index.ts wraps every
// strategy with withPodSecurity; kinds it does not judge keep their strategy as it is.
import type { Pod, PodSpec } from "../../../../api/core";
import type { ObjectMeta } from "../../../../api/meta";
import type { KObject, ResourceType } from "../../../../api/resource";
import type { Strategy } from "../../strategies/strategy";
import { internalAttributes, type AdmissionAttributes } from "../attributes";
import type { PodSecurityAdmission } from "./admission";
import type { NamespaceLike } from "./namespace";

type Template = { metadata?: ObjectMeta; spec?: PodSpec } | undefined;
type Spec = Record<string, unknown> | undefined;

/** The pod template of each pod controller kind, by "group/Kind". */
const TEMPLATES: Record<string, (spec: Spec) => Template> = {
  "/ReplicationController": (s) => s?.template as Template,
  "apps/ReplicaSet": (s) => s?.template as Template,
  "apps/Deployment": (s) => s?.template as Template,
  "apps/StatefulSet": (s) => s?.template as Template,
  "apps/DaemonSet": (s) => s?.template as Template,
  "batch/Job": (s) => s?.template as Template,
  "batch/CronJob": (s) => ((s?.jobTemplate as { spec?: Spec } | undefined)?.spec?.template as Template),
};

type Hook = (obj: KObject, old: KObject | undefined, attrs: AdmissionAttributes) => Promise<void>;

function hookFor(rt: ResourceType, psa: PodSecurityAdmission): Hook | undefined {
  const kind = `${rt.group}/${rt.kind}`;
  if (kind === "/Pod") return (obj, old, attrs) => psa.validatePod(obj as KObject & Pod, old as (KObject & Pod) | undefined, attrs);
  if (kind === "/Namespace") return (obj, old, attrs) => psa.validateNamespace(obj as NamespaceLike, old as NamespaceLike | undefined, attrs);
  if (kind === "/PodTemplate") return (obj, _old, attrs) => judgeTemplate(psa, rt, obj, obj.template as Template, attrs);
  const template = TEMPLATES[kind];
  if (!template) return undefined;
  return (obj, _old, attrs) => judgeTemplate(psa, rt, obj, template(obj.spec as Spec), attrs);
}

async function judgeTemplate(psa: PodSecurityAdmission, rt: ResourceType, obj: KObject, t: Template, attrs: AdmissionAttributes): Promise<void> {
  if (!t?.spec) return;
  const subject = { resource: rt.plural, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "", meta: t.metadata, spec: t.spec };
  await psa.validatePodController(subject, attrs);
}

/** `strategy` with Pod Security admission after its own admit, for the kinds the plugin judges. */
export function withPodSecurity(rt: ResourceType, strategy: Strategy, psa: PodSecurityAdmission | undefined): Strategy {
  const hook = psa && hookFor(rt, psa);
  if (!hook) return strategy;
  return {
    ...strategy,
    async admit(obj, old, attrs) {
      await strategy.admit(obj, old, attrs);
      await hook(obj, old, attrs ?? internalAttributes(old ? "UPDATE" : "CREATE"));
    },
  };
}
