#!/usr/bin/env node
// The kubelab CLI: runs the TypeScript sources directly through tsx (the esbuild bundle in dist/
// is what goes onto the VMs).
import { register } from "tsx/esm/api";

register();
await import("../cmd/kubelab.ts");
