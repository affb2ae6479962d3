// Serializes the attached clusters' dynamic providers with Pulumi's closure serializer, as
// `pulumi up` does, and prints them as JSON: { gate, calicoctl }. Run with tsx (outside Vitest,
// whose module transform the serializer cannot see through) by dynamic-providers.test.ts.
import * as pulumi from "@pulumi/pulumi";
import { calicoApiGateProvider } from "../../components/cluster/calico-api-gate";
import { calicoctlDocumentProvider } from "../../components/cluster/calicoctl-document";

async function main() {
    const serialize = async (provider: object) => (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
    process.stdout.write(JSON.stringify({ gate: await serialize(calicoApiGateProvider), calicoctl: await serialize(calicoctlDocumentProvider) }));
}

main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
