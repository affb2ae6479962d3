// The echo scenario's configuration: no key of its own, the stage against its table and the
// keys every scenario shares.
import { parseSharedConfig, parseStage, RawConfigReader, SharedConfig } from "../../../config";
import { ECHO_STAGES, EchoStage } from "./stages";

export interface EchoConfig extends SharedConfig {
    stage: EchoStage;
}

export function parseEchoConfig(read: RawConfigReader): EchoConfig {
    return { stage: parseStage(read, ECHO_STAGES, "with scenario echo, "), ...parseSharedConfig(read, "echo") };
}
