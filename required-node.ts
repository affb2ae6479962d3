// The Pulumi program's first import (index.ts): on a Node.js older than 22 `pulumi up` (preview,
// destroy) stops with one line, as Pulumi prints a RunError (no stack frames), before anything
// that needs Node 22 is loaded. The npm scripts check the same earlier (scripts/require-node.cjs).
import * as pulumi from "@pulumi/pulumi";
import { nodeVersionError } from "./scripts/node-version.cjs";

const problem = nodeVersionError("the Pulumi program (pulumi up, preview, destroy)");
if (problem) throw new pulumi.RunError(problem);
