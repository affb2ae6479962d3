// The gate every Calico policy waits for: the projectcalico.org/v3 API answering. Right after
// Calico is installed the APIService v3.projectcalico.org does not exist yet, then reports
// Available=False (MissingEndpoints), and even once Available clients can briefly get
// "no matches for kind GlobalNetworkPolicy" (calico#9344, #6803, #7555). The gate waits for
// all three to clear, so policies created after it never race the API server.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { CALICO_API_TIMEOUT_SECONDS, CALICO_APISERVICE } from "./calico-api-service";
import { KubeAccess, kubeEnvironment, withKubeAccess } from "./kube-access";

export { CALICO_API_TIMEOUT_SECONDS, CALICO_APISERVICE };

const waitUntil = (check: string, failure: string) =>
    [
        `until ${check} >/dev/null 2>&1; do`,
        '  if [ "$(date +%s)" -ge "$deadline" ]; then',
        `    echo ${JSON.stringify(failure)} >&2`,
        "    exit 1",
        "  fi",
        "  sleep 5",
        "done",
    ].join("\n");

/** The script of the gate (see the file comment). */
export const CALICO_API_READY_SCRIPT = withKubeAccess(
    [
        "deadline=$(( $(date +%s) + CALICO_API_TIMEOUT_SECONDS ))",
        waitUntil(
            `kubectl get apiservice ${CALICO_APISERVICE}`,
            `APIService ${CALICO_APISERVICE} did not appear: the cluster serves no projectcalico.org/v3 API. On kind, check 'kubectl get tigerastatus'; elsewhere install the Calico API server or set calicoApply to calicoctl.`,
        ),
        `kubectl wait --for=condition=Available apiservice/${CALICO_APISERVICE} --timeout="\${CALICO_API_TIMEOUT_SECONDS}s"`,
        waitUntil(
            "kubectl get globalnetworkpolicies.projectcalico.org",
            "APIService v3.projectcalico.org is Available but globalnetworkpolicies.projectcalico.org does not answer; check the calico-apiserver pods.",
        ),
        `echo "projectcalico.org/v3 is served"`,
    ].join("\n"),
);

/** kubectl's access to the cluster, plus how long the scripts above wait for Calico's API objects. */
function calicoApiEnvironment(access: KubeAccess) {
    return pulumi.output(kubeEnvironment(access)).apply((env) => ({
        ...env,
        CALICO_API_TIMEOUT_SECONDS: String(CALICO_API_TIMEOUT_SECONDS),
    }));
}

/** A command that succeeds once the projectcalico.org/v3 API answers. */
export function calicoApiReady(name: string, access: KubeAccess, opts: pulumi.CustomResourceOptions): command.local.Command {
    return new command.local.Command(
        name,
        {
            create: CALICO_API_READY_SCRIPT,
            environment: calicoApiEnvironment(access),
            logging: "stdoutAndStderr",
        },
        opts,
    );
}

const autoCreatePatch = (value: "Enabled" | "Disabled") =>
    `kubectl patch kubecontrollersconfigurations.projectcalico.org default --type=merge ` +
    `-p '${JSON.stringify({ spec: { controllers: { node: { hostEndpoint: { autoCreate: value } } } } })}'`;

/** Enables Calico's automatic host endpoints on create and disables them on delete. */
export const HOST_ENDPOINTS_ENABLE_SCRIPT = withKubeAccess(
    [
        "deadline=$(( $(date +%s) + CALICO_API_TIMEOUT_SECONDS ))",
        // calico-kube-controllers creates the object when it starts; wait for it.
        waitUntil(
            "kubectl get kubecontrollersconfigurations.projectcalico.org default",
            "KubeControllersConfiguration default does not exist; is calico-kube-controllers running? (kubectl get pods -n calico-system)",
        ),
        autoCreatePatch("Enabled"),
    ].join("\n"),
);
export const HOST_ENDPOINTS_DISABLE_SCRIPT = withKubeAccess(autoCreatePatch("Disabled"));

/**
 * Calico automatic host endpoints (one per node, labelled like the node, default-allow
 * profile): what the lockdown stage's preDNAT policy selects on kind. The resource exists only
 * while a stage needs host endpoints; removing it (a lower stage) disables them again.
 */
export function automaticHostEndpoints(name: string, access: KubeAccess, opts: pulumi.CustomResourceOptions): command.local.Command {
    return new command.local.Command(
        name,
        {
            create: HOST_ENDPOINTS_ENABLE_SCRIPT,
            delete: HOST_ENDPOINTS_DISABLE_SCRIPT,
            environment: calicoApiEnvironment(access),
            logging: "stdoutAndStderr",
        },
        opts,
    );
}
