// The helloworld lab's configuration: its own keys (the lab namespace, the app and the proxy, the
// lockdown's host endpoints), read with the stage against its stage table and the keys every
// scenario shares (config.ts).
import { CLUSTER_MODE_DESCRIPTORS } from "../../components/cluster/modes";
import { calicoSelectorProblem, imageReferenceProblem, systemNamespaceProblem } from "../../config-values";
import { check, ConfigError, ConfigKey, keyReaders, parseSharedConfig, parseStage, RawConfigReader, SharedConfig } from "../../config";
import { CALICO_ONLY_FEATURES, featuresOf, Stage, STAGES, StageFeatures } from "./stages";

/** The keys only this scenario reads (Pulumi.yaml declares them with the rest). */
export const HELLOWORLD_CONFIG_KEYS = {
    namespace: { type: "string", default: "zero-trust-lab", description: "The lab namespace (a DNS-1123 label)." },
    appImage: {
        type: "string",
        default: "remkohdev/helloworld:latest",
        description: "Image of the helloworld app (Spring Boot, listens on 8080, amd64 only). Pin a digest for promotion.",
    },
    appReplicas: { type: "integer", default: 3, description: "Replicas of the helloworld Deployment (1-20)." },
    appNodePort: { type: "integer", default: 30080, description: "NodePort of the helloworld Service (30000-32767)." },
    proxyImage: { type: "string", default: "", description: "Image of helloworld-proxy; empty means the same image as the app, as in the lab." },
    proxyReplicas: { type: "integer", default: 1, description: "Replicas of the helloworld-proxy Deployment (1-20)." },
    proxyNodePort: {
        type: "integer",
        default: 30081,
        description: "NodePort of the helloworld-proxy Service (30000-32767), the only NodePort left open by the lockdown stage.",
    },
    hostEndpointSelector: {
        type: "string",
        default: "",
        description:
            "Calico selector of the host endpoints the lockdown stage protects; empty means has(kubernetes.io/hostname) (kind's automatic host endpoints), or ibm.role == 'worker_public' on iks.",
    },
} as const satisfies Record<string, ConfigKey>;

export interface WorkloadSettings {
    image: string;
    replicas: number;
    nodePort: number;
}

export interface LabConfig extends SharedConfig {
    stage: Stage;
    features: StageFeatures;
    namespace: string;
    app: WorkloadSettings;
    proxy: WorkloadSettings;
    hostEndpointSelector: string;
}

const NODE_PORT_RANGE = { min: 30000, max: 32767 };

function parseWorkload(
    keys: ReturnType<typeof keyReaders<keyof typeof HELLOWORLD_CONFIG_KEYS>>,
    prefix: "app" | "proxy",
    fallbackImage?: string,
): WorkloadSettings {
    const imageKey = `${prefix}Image` as const;
    const image = keys.optional(imageKey) ?? fallbackImage;
    return {
        image: check(imageKey, image ?? keys.nonEmpty(imageKey, "an image reference such as remkohdev/helloworld:latest"), imageReferenceProblem),
        replicas: keys.integer(`${prefix}Replicas`, 1, 20),
        nodePort: keys.integer(`${prefix}NodePort`, NODE_PORT_RANGE.min, NODE_PORT_RANGE.max),
    };
}

/** Validates a helloworld stack's configuration; throws ConfigError on the first bad key. */
export function parseLabConfig(read: RawConfigReader): LabConfig {
    const stage = parseStage(read, STAGES);
    const features = featuresOf(stage);
    const shared = parseSharedConfig(read, "helloworld");
    const keys = keyReaders(read, HELLOWORLD_CONFIG_KEYS);
    const namespace = check("namespace", keys.dnsLabel("namespace"), systemNamespaceProblem);

    const needsCalico = CALICO_ONLY_FEATURES.filter((feature) => features[feature]);
    if (shared.flavor === "kubernetes" && needsCalico.length > 0) {
        throw new ConfigError(
            "flavor",
            shared.flavor,
            `stage ${stage.number} (${stage.name}) needs Calico policies (${needsCalico.join(", ")}: Kubernetes NetworkPolicy cannot select host endpoints); use flavor calico or a stage below ${stage.number}`,
        );
    }

    const app = parseWorkload(keys, "app");
    const proxy = parseWorkload(keys, "proxy", app.image);
    if (app.nodePort === proxy.nodePort) {
        throw new ConfigError("proxyNodePort", proxy.nodePort, `must differ from appNodePort (${app.nodePort})`);
    }
    const selector = keys.optional("hostEndpointSelector") ?? CLUSTER_MODE_DESCRIPTORS[shared.cluster.mode].hostEndpointSelector;
    return {
        ...shared,
        stage,
        features,
        namespace,
        app,
        proxy,
        hostEndpointSelector: check("hostEndpointSelector", selector, calicoSelectorProblem),
    };
}
