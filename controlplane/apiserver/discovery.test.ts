import { describe, expect, it } from "vitest";
import { resourceTypes } from "../../api/index";
import { apiResourceList } from "./discovery";

describe("discovery of the pod subresources", () => {
  it("lists exec, attach and portforward with kube-apiserver's verbs and option kinds", () => {
    const list = apiResourceList(resourceTypes, "", "v1") as { resources: { name: string; kind: string; verbs: string[] }[] };
    const sub = (name: string) => list.resources.find((r) => r.name === name);
    expect(sub("pods/exec")).toMatchObject({ kind: "PodExecOptions", verbs: ["create", "get"] });
    expect(sub("pods/attach")).toMatchObject({ kind: "PodAttachOptions", verbs: ["create", "get"] });
    expect(sub("pods/portforward")).toMatchObject({ kind: "PodPortForwardOptions", verbs: ["create", "get"] });
    expect(sub("pods/log")).toMatchObject({ kind: "Pod", verbs: ["get"] });
  });
});
