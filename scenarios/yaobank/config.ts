// The yaobank scenario's configuration: the stage, read against the yaobank stage table, and
// the images; everything it shares with the helloworld lab (cluster, flavor, Calico apply mode)
// is validated by parseLabConfig itself, so both scenarios accept and refuse the same values.
import { imageReferenceProblem } from "../../config-values";
import { CalicoApplyMode, ClusterSettings, ConfigError, Flavor, parseLabConfig, RawConfigReader, CONFIG_KEYS } from "../../config";
import { findYaobankStage, YAOBANK_APPS, YAOBANK_CALICO_ONLY_FEATURES, YAOBANK_FEATURE_INTRODUCED_AT, YAOBANK_STAGES, YaobankApp, YaobankFeatures, yaobankFeaturesOf, YaobankStage } from "./stages";

/** In yaobankImages, stands for customer, summary or database. */
export const APP_PLACEHOLDER = "{app}";

export interface YaobankConfig {
    scenario: "yaobank";
    stage: YaobankStage;
    features: YaobankFeatures;
    flavor: Flavor;
    calicoApply: CalicoApplyMode;
    cluster: ClusterSettings;
    images: Record<YaobankApp, string>;
}

function parseStage(read: RawConfigReader): YaobankStage {
    const value = read("stage") ?? String(CONFIG_KEYS.stage.default);
    const stage = findYaobankStage(value);
    if (!stage) {
        const allowed = YAOBANK_STAGES.map((s) => `${s.number} (${s.name})`).join(", ");
        throw new ConfigError("stage", value, `with scenario yaobank, allowed stages are ${allowed}`);
    }
    return stage;
}

function parseImages(read: RawConfigReader): Record<YaobankApp, string> {
    const value = (read("yaobankImages") ?? String(CONFIG_KEYS.yaobankImages.default)).trim();
    if (!value.includes(APP_PLACEHOLDER) || /\s/.test(value)) {
        throw new ConfigError("yaobankImages", value, `expected an image reference with ${APP_PLACEHOLDER} for customer, summary and database, such as rezareza/yaobank-${APP_PLACEHOLDER}:azure`);
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
    const stage = parseStage(read);
    // The shared keys, validated as the helloworld lab validates them; its stage table is not
    // consulted (the yaobank stage was read above).
    const shared = parseLabConfig((key) => (key === "stage" ? undefined : read(key)));
    const features = yaobankFeaturesOf(stage);
    const needsCalico = YAOBANK_CALICO_ONLY_FEATURES.filter((feature) => features[feature]);
    if (shared.flavor === "kubernetes" && needsCalico.length > 0) {
        throw new ConfigError("flavor", shared.flavor, `scenario yaobank's stage ${stage.number} (${stage.name}) needs Calico policies (${needsCalico.join(", ")}: a GlobalNetworkPolicy and service-account selectors); use flavor calico or a stage below ${YAOBANK_FEATURE_INTRODUCED_AT.defaultAppPolicy}`);
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
