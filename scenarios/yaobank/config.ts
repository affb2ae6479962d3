// The yaobank scenario's configuration: its own key (the images), the stage read against the
// yaobank stage table, and the keys every scenario shares (cluster, flavor, Calico apply mode),
// validated by parseSharedConfig as for any scenario, so all accept and refuse the same values.
import { imageReferenceProblem } from "../../config-values";
import { ConfigError, ConfigKey, keyReaders, parseSharedConfig, parseStage, RawConfigReader, SharedConfig } from "../../config";
import {
    YAOBANK_APPS,
    YAOBANK_CALICO_ONLY_FEATURES,
    YAOBANK_FEATURE_INTRODUCED_AT,
    YAOBANK_STAGES,
    YaobankApp,
    YaobankFeatures,
    yaobankFeaturesOf,
    YaobankStage,
} from "./stages";

/** The key only this scenario reads (Pulumi.yaml declares it with the rest). */
export const YAOBANK_CONFIG_KEYS = {
    yaobankImages: {
        type: "string",
        default: "rezareza/yaobank-{app}:azure",
        description:
            "Images of the yaobank scenario, {app} standing for customer, summary and database. The default images read their peers' hosts from env vars, as the three namespaces need; the original calico/yaobank-{app} images hard-code them and only work in one namespace.",
    },
} as const satisfies Record<string, ConfigKey>;

/** In yaobankImages, stands for customer, summary or database. */
export const APP_PLACEHOLDER = "{app}";

export interface YaobankConfig extends SharedConfig {
    scenario: "yaobank";
    stage: YaobankStage;
    features: YaobankFeatures;
    images: Record<YaobankApp, string>;
}

function parseImages(read: RawConfigReader): Record<YaobankApp, string> {
    const value = keyReaders(read, YAOBANK_CONFIG_KEYS).raw("yaobankImages").trim();
    if (!value.includes(APP_PLACEHOLDER) || /\s/.test(value)) {
        throw new ConfigError(
            "yaobankImages",
            value,
            `expected an image reference with ${APP_PLACEHOLDER} for customer, summary and database, such as rezareza/yaobank-${APP_PLACEHOLDER}:azure`,
        );
    }
    const images = Object.fromEntries(YAOBANK_APPS.map((app) => [app, value.split(APP_PLACEHOLDER).join(app)])) as Record<YaobankApp, string>;
    for (const image of Object.values(images)) {
        const problem = imageReferenceProblem(image);
        if (problem) throw new ConfigError("yaobankImages", value, `${image}: ${problem}`);
    }
    return images;
}

/** Validates a yaobank stack's configuration; throws ConfigError on the first bad key. */
export function parseYaobankConfig(read: RawConfigReader): YaobankConfig {
    const stage = parseStage(read, YAOBANK_STAGES, "with scenario yaobank, ");
    const shared = parseSharedConfig(read, "yaobank");
    const features = yaobankFeaturesOf(stage);
    const needsCalico = YAOBANK_CALICO_ONLY_FEATURES.filter((feature) => features[feature]);
    if (shared.flavor === "kubernetes" && needsCalico.length > 0) {
        throw new ConfigError(
            "flavor",
            shared.flavor,
            `scenario yaobank's stage ${stage.number} (${stage.name}) needs Calico policies (${needsCalico.join(", ")}: a GlobalNetworkPolicy and service-account selectors); use flavor calico or a stage below ${YAOBANK_FEATURE_INTRODUCED_AT.defaultAppPolicy}`,
        );
    }
    return {
        scenario: "yaobank",
        stage,
        features,
        flavor: shared.flavor,
        calicoApply: shared.calicoApply,
        cluster: shared.cluster,
        images: parseImages(read),
    };
}
